"""A stand-in for the SMS provider's Messages API: a real HTTP server on loopback.

It records every POST and answers the statuses queued in `script` (e.g. [500]
for one failure), then 201 like Twilio. `delay` holds each answer back, to
provoke client timeouts; until `down_until` (a time.time()) it answers 503,
an outage.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Dict, List, Optional
from urllib.parse import parse_qs


class ProviderStandIn:
    def __init__(self) -> None:
        self.posts: List[Dict] = []
        self.script: List[int] = []
        self.delay = 0.0
        self.down_until = 0.0
        self.lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
                with stand_in.lock:
                    if time.time() < stand_in.down_until:
                        status = 503
                    else:
                        status = stand_in.script.pop(0) if stand_in.script else 201
                    delay = stand_in.delay
                if delay:
                    time.sleep(delay)
                with stand_in.lock:
                    stand_in.posts.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("Authorization"),
                            "form": form,
                            "status": status,
                            "at": time.time(),
                        }
                    )
                if status == 201:
                    body = {"sid": f"SM{len(stand_in.posts):032d}", "status": "queued"}
                else:
                    body = {"code": 20500 if status >= 500 else 21211, "message": f"error for {form.get('To')}"}
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client gave up waiting (timeout tests)
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def posts_to(self, number: str) -> List[Dict]:
        with self.lock:
            return [p for p in self.posts if p["form"].get("To") == number]

    def delivered(self, number: Optional[str] = None) -> List[str]:
        """Bodies the stand-in accepted (201), in order."""
        with self.lock:
            return [
                p["form"].get("Body")
                for p in self.posts
                if p["status"] == 201 and (number is None or p["form"].get("To") == number)
            ]

    def wait_delivered(self, number: str, count: int = 1, timeout: float = 60) -> List[str]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            bodies = self.delivered(number)
            if len(bodies) >= count:
                return bodies
            time.sleep(0.1)
        raise AssertionError(
            f"{count} message(s) to {number} not delivered in {timeout} s; got {self.delivered(number)}"
        )
