"""What the rasa server loads from us: channel connectors, the tracker and lock stores, the unknown-words NLU
component and the patches of Rasa's internals. The only package of the project that imports Rasa.

Importing this package inside the rasa server (credentials.yml and endpoints.yml name modules of it) checks that
the installed Rasa, Sanic, python-socketio, … are the versions every patch of their internals was written for (a
start-up error naming the patch if not: ``rasa_server.patches.PATCHES``) and applies the patches of
``rasa_server.patches``. Outside Rasa (scripts/telegram.py imports the pure helpers ``telegram_config`` and
``telegram_format``), there is nothing to patch.
"""

try:
    import rasa.core.actions.action  # noqa: F401  (only present in the rasa environment)
except ImportError:
    pass
else:
    from rasa_server import patches

    patches.apply()
