"""What the rasa server loads from us: channel connectors, the tracker store, the unknown-words NLU component
(the only part of ``bot`` that imports Rasa).

Importing this package inside the rasa server (credentials.yml and endpoints.yml name modules of it) also applies
the speed fixes of ``bot.channels.rasa_patches``. Outside Rasa (the action side imports nothing from here but the
pure helpers ``guard`` and ``telegram_format``, which its unit tests use), there is nothing to patch.
"""

try:
    import rasa.core.actions.action  # noqa: F401  (only present in the rasa environment)
except ImportError:
    pass
else:
    from bot.channels import rasa_patches

    rasa_patches.apply()
