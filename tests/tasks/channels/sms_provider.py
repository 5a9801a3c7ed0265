"""A fake SMS provider over real HTTP in this process: it speaks the contract of
tasks/channels/sms_http.py (checks the key and the signature, deduplicates by client_ref) and
can be told to fail with 500, reject a number, answer garbage, or sleep past the client's
timeout AFTER accepting (the message counts as sent at the provider)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Provider:
    api_key: str
    secret: str
    url: str = ""
    message_ids: dict[str, str] = field(default_factory=dict)  # client_ref -> message id
    sent_count: Counter[str] = field(default_factory=Counter)  # texts really sent, per ref
    requests: list[dict[str, Any]] = field(default_factory=list)  # accepted request bodies
    refused_signatures: int = 0
    fail_with: int | None = None  # answer every request with this HTTP status
    reject: set[str] = field(default_factory=set)  # numbers the provider rejects
    sleep_after_accept: float = 0.0
    garbage: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: Any, body: bytes) -> tuple[int, bytes]:
        if self.fail_with is not None:
            return self.fail_with, b'{"error": "try later"}'
        timestamp = headers.get("X-Timestamp", "")
        expected = hmac.new(
            self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
        if (
            headers.get("X-Api-Key") != self.api_key
            or not fresh
            or not hmac.compare_digest(expected, headers.get("X-Signature", ""))
        ):
            self.refused_signatures += 1
            return 401, b'{"error": "bad signature"}'
        if self.garbage:
            return 200, b"<html>gateway</html>"
        document = json.loads(body)
        with self.lock:
            self.requests.append(document)
            results = [self._one(m) for m in document["messages"]]
        time.sleep(self.sleep_after_accept)  # accepted, then too slow to answer
        return 200, json.dumps({"results": results}).encode()

    def _one(self, message: dict[str, Any]) -> dict[str, Any]:
        ref = message["client_ref"]
        if ref in self.message_ids:  # dedup: the first id, nothing sent again
            return {"client_ref": ref, "message_id": self.message_ids[ref], "status": "accepted"}
        if message["to"] in self.reject:
            reason = f"number {message['to']} is not a mobile number"
            return {"client_ref": ref, "message_id": None, "status": "rejected", "reason": reason}
        self.message_ids[ref] = f"prov-{len(self.message_ids) + 1}"
        self.sent_count[ref] += 1
        return {"client_ref": ref, "message_id": self.message_ids[ref], "status": "accepted"}


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            status, answer = provider.answer(self.headers, body)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the client gave up waiting
                pass

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    return Handler


@contextmanager
def sms_provider(api_key: str = "key-1", secret: str = "shh-secret") -> Iterator[Provider]:
    """The provider on 127.0.0.1 at a free port for as long as the block runs."""
    provider = Provider(api_key, secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.daemon_threads = True
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/v1/sms"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
