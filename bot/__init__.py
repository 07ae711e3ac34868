"""Expat Santé: plain Python logic behind the assistant (imports nothing from Rasa; the rasa server's own code is in
``rasa_server/``).

Layers, each importing only from the ones after it: ``guidance`` (what to tell the user) and ``understanding``
(free text → values) → ``calculator`` and ``retrieval`` → ``knowledge`` → ``safety`` → ``settings``.
Heavy resources (embedding model, index, language detector) load lazily, on first use, never at import time.
"""
