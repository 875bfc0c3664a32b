"""A real webhook receiver on loopback that verifies with ``standardwebhooks``."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


class Receiver:
    """Records every request; ``answer(n)`` decides the status (and headers) of the n-th.

    ``port``: 0 for any free one; a given one to come back where a receiver was.
    """

    def __init__(self, port: int = 0) -> None:
        self.requests: list[dict] = []
        self.secret: str | None = None
        self.answer: Callable[[int], tuple[int, dict[str, str]]] = lambda n: (204, {})
        self.hold: threading.Event | None = None  # set: answer; unset: keep the sender waiting
        self.holding = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    n = len(receiver.requests)
                    receiver.requests.append({"headers": headers, "body": body})
                if receiver.hold is not None:
                    receiver.holding.set()
                    receiver.hold.wait(30)
                status, extra = receiver.answer(n)
                self.send_response(status)
                for name, value in extra.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/sid"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def verified(self, secret: str | None = None) -> list[dict]:
        """Every request's verified payload, with its webhook-id (raises if one fails)."""
        out = []
        for request in list(self.requests):
            payload = Webhook(secret or self.secret).verify(request["body"], request["headers"])
            out.append({"webhook-id": request["headers"]["webhook-id"], **payload})
        return out

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            assert time.monotonic() < deadline, f"{len(self.requests)} of {count} arrived"
            time.sleep(0.05)

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


__all__ = ["Receiver", "WebhookVerificationError"]
