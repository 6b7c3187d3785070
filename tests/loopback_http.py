"""Small real HTTP servers of the standard library on 127.0.0.1, for the behaviours a real
Label Studio cannot be made to show on demand (failing, ignoring paging, echoing headers,
cutting a download short). Each test's handler says what it answers; serving, answering
and silence are here."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class LoopbackHandler(http.server.BaseHTTPRequestHandler):
    """A handler that answers with ``send_body`` and logs nothing."""

    def send_body(
        self, data: object, status: int = 200, content_type: str = "application/json"
    ) -> None:
        """Answer ``data`` (bytes as they are, anything else as JSON) with ``status``."""
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def loopback_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve ``handler`` on a free loopback port for the block; yields the server's URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
