"""Command line: ``python -m bot calc|search|index|eval ...`` (run in the action-side environment)."""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE = """usage: python -m bot COMMAND [options]

commands:
  calc     estimate what the Sécurité sociale, the mutuelle and you pay for a care (python -m bot calc --help)
  search   search the knowledge base (python -m bot search --help)
  index    build the knowledge index if its content or model changed (python -m bot index --help)
  eval     measure retrieval quality on the held-out questions (python -m bot eval --help)
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    run: Callable[[list[str]], int]
    if command == "calc":
        from bot.calculator.cli import main as run
    elif command in ("search", "index", "eval"):
        from bot.retrieval.cli import COMMANDS

        run = COMMANDS[command]
    else:
        print(f"unknown command {command!r}\n\n{USAGE}", file=sys.stderr)
        return 2
    return run(rest)


if __name__ == "__main__":
    sys.exit(main())
