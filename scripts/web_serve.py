"""Serve the web widget's demo page and built assets (web/dist) on WEB_PORT, as `make run` does.

The page talks to the rasa server on its own port: a real cross-origin set-up, so the rasa server's CORS_ORIGINS
must list this page's origin (scripts/env.sh does for localhost and 127.0.0.1). Standard library only.

    python scripts/web_serve.py [--host 127.0.0.1] [--port 8080] [--rasa-url http://localhost:5005] [--language en]
"""

from __future__ import annotations

import argparse
import functools
import html
import re
import sys
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.settings import get_settings  # noqa: E402  (standard library only, like this script)

DIST = ROOT / "web" / "dist"
HOSTNAME = re.compile(r"^(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])$")


def rasa_url_for(host_header: str | None, rasa_port: str, scheme: str = "http") -> str:
    """The rasa server as seen from the browser: the host the page was loaded from, on the rasa port."""
    hostname = (host_header or "").strip()
    if hostname.startswith("["):
        hostname = hostname.split("]")[0] + "]"
    else:
        hostname = hostname.rsplit(":", 1)[0] if hostname.count(":") == 1 else hostname
    if not HOSTNAME.match(hostname):
        hostname = "localhost"
    return f"{scheme}://{hostname}:{rasa_port}"


def content_security_policy(rasa_url: str) -> str:
    parts = urlsplit(rasa_url)
    websocket = f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        f"connect-src 'self' {parts.scheme}://{parts.netloc} {websocket}; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    )


class DemoHandler(SimpleHTTPRequestHandler):
    rasa_url: str | None = None
    rasa_port = "5005"
    language = "en"
    open_panel = False

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self.send_page()
        elif path.rstrip("/") != path or "/" in path.lstrip("/"):
            self.send_error(HTTPStatus.NOT_FOUND)  # a flat directory: no listings, no sub-paths
        else:
            super().do_GET()

    def send_page(self) -> None:
        rasa_url = self.rasa_url or rasa_url_for(self.headers.get("Host"), self.rasa_port)
        template = (DIST / "index.html").read_text(encoding="utf-8")
        page = (
            template.replace("{{RASA_URL}}", html.escape(rasa_url, quote=True))
            .replace("{{LANGUAGE}}", html.escape(self.language, quote=True))
            .replace("{{OPEN}}", "true" if self.open_panel else "false")
        ).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.send_header("Content-Security-Policy", content_security_policy(rasa_url))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, format: str, *args: object) -> None:
        if get_settings().web_log_requests:
            super().log_message(format, *args)


def main(argv: list[str] | None = None) -> int:
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default=settings.rasa_host)
    parser.add_argument("--port", type=int, default=settings.web_port)
    parser.add_argument(
        "--rasa-url", default=None, help="rasa server address for the browser (default: the page's host on RASA_PORT)"
    )
    parser.add_argument("--rasa-port", default=str(settings.rasa_port))
    parser.add_argument("--language", default=settings.default_language, choices=["en", "fr"])
    parser.add_argument("--open", action="store_true", help="open the chat panel on a first visit")
    args = parser.parse_args(argv)
    if not (DIST / "widget.js").exists():
        print(f"error: {DIST}/widget.js is missing: build it with scripts/web_build.sh", file=sys.stderr)
        return 2
    handler = type(
        "Handler",
        (DemoHandler,),
        {
            "rasa_url": args.rasa_url,
            "rasa_port": str(args.rasa_port),
            "language": args.language,
            "open_panel": args.open,
        },
    )
    server = ThreadingHTTPServer((args.host, args.port), functools.partial(handler, directory=str(DIST)))
    shown = "localhost" if args.host in ("127.0.0.1", "0.0.0.0", "::") else args.host
    print(f"Web widget demo: http://{shown}:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
