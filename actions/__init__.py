"""rasa-sdk custom actions: thin adapters that read the tracker, call logic in ``bot/`` and utter responses.

The action server imports every module here at start-up: nothing heavy happens at import time.
"""
