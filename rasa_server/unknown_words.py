"""NLU component: a message made only of words the assistant has never seen is unclear (``nlu_fallback``).

An intent classifier always picks one of the known intents, and DIET (the classifier until 3 Dec) did so with high
confidence even for "blorp zzkt wibble" (taken for `what_can_you_do`, or "qwxx vrrb plonk" for `thank`), so the
FallbackClassifier's threshold never sees such a message as unclear. This component learns the words of the training
examples (accents and case folded) and, when a message has words but none of them was ever seen (nor begins like a
seen word: "confirmed" for "confirm"), predicts ``nlu_fallback`` in front of the classifier's ranking: the dialogue
then asks what the user meant (data/rules/input.yml). A message with one known word ("carte vitalle perdue"), digits
only ("30"), emoji only, or a button payload is left to the classifier.

Rasa side only (config.yml names it ``rasa_server.unknown_words.UnknownWordsClassifier``, after the intent
classifier and before FallbackClassifier).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.text import fold
from bot.text import words as text_words

VOCABULARY_FILE = "vocabulary.json"
#: A word is also known when its first STEM_LETTERS letters begin a word seen in training.
STEM_LETTERS = 4


def words(text: str, min_letters: int = 2) -> set[str]:
    """Case-folded words without accents ("Médecin" -> "medecin", "Straße" -> "strasse"); shorter than
    ``min_letters`` ignored."""
    return {word for word in text_words(fold(text, casefold=True)) if len(word) >= min_letters}


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWordsClassifier(GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"min_letters": 2}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        vocabulary: Iterable[str] | None = None,
    ) -> None:
        self.min_letters = int(config.get("min_letters", 2))
        self._model_storage = model_storage
        self._resource = resource
        self._learn(vocabulary or ())

    def _learn(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary: set[str] = set(vocabulary)
        self._stems = {word[:STEM_LETTERS] for word in self.vocabulary if len(word) >= STEM_LETTERS}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UnknownWordsClassifier:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> UnknownWordsClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            vocabulary = []  # not trained: leaves every message to the classifier
        return cls(config, model_storage, resource, vocabulary)

    def train(self, training_data: TrainingData) -> Resource:
        learnt = set(self.vocabulary)
        for example in training_data.training_examples:
            learnt |= words(example.get(TEXT) or "", self.min_letters)
        self._learn(learnt)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps(sorted(self.vocabulary), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def is_unknown(self, text: str | None) -> bool:
        """Whether ``text`` has words and none of them is known (never for an empty vocabulary or a payload)."""
        if not text or not self.vocabulary or text.startswith("/"):
            return False
        found = words(text, self.min_letters)
        return bool(found) and not any(self._known(word) for word in found)

    def _known(self, word: str) -> bool:
        """Seen in training, or sharing its first letters with a word seen: "confirmed" (confirm), "saluuut"
        (salut), "canadian" (canada) are words with a typo or another ending, not noise."""
        if word in self.vocabulary:
            return True
        return len(word) >= STEM_LETTERS and word[:STEM_LETTERS] in self._stems

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if not self.is_unknown(message.get(TEXT)):
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = dict(fallback)
            message.data[INTENT_RANKING_KEY] = [dict(fallback), *(message.data.get(INTENT_RANKING_KEY) or [])]
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
