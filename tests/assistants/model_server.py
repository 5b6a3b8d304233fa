"""A fake OpenAI-compatible model server over real HTTP, for the reply backend and the chat."""

import contextlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeModelServer(BaseHTTPRequestHandler):
    """POST /v1/chat/completions; the model name picks the behaviour."""

    requests: list[dict] = []

    def do_POST(self):  # noqa: N802 — the name http.server calls
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModelServer.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
        )
        model = body["model"]
        if model == "slow-model":
            time.sleep(1.5)
        if model == "broken-model":
            self._send(500, {"error": {"message": "the model fell over", "type": "server_error"}})
            return
        last = body["messages"][-1]["content"]
        if model == "empty-model":
            last = None
        self._send(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "created": 1764000000,
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": f"You said: **{last}**" if last else "",
                        },
                        "finish_reason": "stop",
                    }
                ],
                "usage": None
                if model == "no-usage-model"
                else {"prompt_tokens": 31, "completion_tokens": 7, "total_tokens": 38},
            },
        )

    def _send(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        # The client may have given up waiting (the timeout test).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(data)

    def log_message(self, *args):
        pass


def start() -> ThreadingHTTPServer:
    """The fake server on a free loopback port, serving from a thread until shut down."""
    FakeModelServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeModelServer)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
