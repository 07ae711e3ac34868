"""Wait until every URL given answers 200 (or until the timeout): scripts/wait_ready.py URL... [--timeout S]."""

from __future__ import annotations

import sys
import time
import urllib.request


def wait(urls: list[str], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        for url in list(pending):
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        pending.remove(url)
            except OSError:
                pass
        if pending:
            time.sleep(0.5)
    for url in pending:
        print(f"not ready after {timeout:.0f} s: {url}", file=sys.stderr)
    return not pending


if __name__ == "__main__":
    args = sys.argv[1:]
    timeout = 240.0
    if "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i : i + 2]
    sys.exit(0 if wait(args, timeout) else 1)
