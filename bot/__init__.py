"""Expat Santé: plain Python logic behind the assistant.

Nothing in this package imports Rasa, except ``bot.channels`` (channel connectors that the rasa server loads).
Heavy resources (embedding model, index, language detector) load lazily, on first use, never at import time.
"""
