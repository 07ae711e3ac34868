"""Channel connectors loaded by the rasa server (the only part of ``bot`` that imports Rasa)."""
