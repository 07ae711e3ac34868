"""Knowledge retrieval: passages, a FAISS + BM25 hybrid index, and the answer/no-answer decision.

Nothing here imports Rasa, and nothing heavy happens at import time: models and the index load on first use.
"""

from __future__ import annotations

from bot.retrieval.embedding import ModelIntegrityError, ModelUnavailableError
from bot.retrieval.index import IndexMismatchError, IndexMissingError, ensure_index
from bot.retrieval.passages import Passage
from bot.retrieval.retriever import Answer, Hit, Retriever, get_retriever, reset_retriever

__all__ = [
    "Answer",
    "Hit",
    "IndexMismatchError",
    "IndexMissingError",
    "ModelIntegrityError",
    "ModelUnavailableError",
    "Passage",
    "Retriever",
    "ensure_index",
    "get_retriever",
    "reset_retriever",
]
