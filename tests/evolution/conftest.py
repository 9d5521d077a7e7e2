"""A local OpenAI-compatible server for the LLM paths (litellm talks to it over real HTTP)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class StubHandler(BaseHTTPRequestHandler):
    """POST /v1/chat/completions -> a fixed chat completion, after an optional delay; requests are kept."""

    reply = "stub answer"
    delay_s = 0.0
    requests: list[dict] = []  # noqa: RUF012 - shared on purpose: the test reads what the server sent

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        type(self).requests.append({"path": self.path, "body": json.loads(self.rfile.read(length) or b"{}")})
        time.sleep(self.delay_s)
        body = json.dumps(
            {
                "id": "chatcmpl-stub",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": "stub",
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": self.reply}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        ).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (the timeout tests)

    def log_message(self, format, *args):
        pass  # keep the test output clean


@pytest.fixture
def stub_server():
    """start(reply, delay_s) -> (api_base, handler class whose `requests` lists what arrived)."""

    def start(reply="stub answer", delay_s=0.0):
        handler = type("Handler", (StubHandler,), {"reply": reply, "delay_s": delay_s, "requests": []})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1", handler

    servers: list[ThreadingHTTPServer] = []
    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
