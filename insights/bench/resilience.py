"""The resilience figures of docs/deploy.md, measured on loopback: a fuzz of the events API
and of the pages, events acknowledged vs stored across database restarts under load, two
stalled uploads, and `check --deploy` with production settings.

Everything runs against a PostgreSQL server of its own (pgserver's binaries on a temporary
data folder, restarted during the run) and gunicorn with the production config.
"""

import http.client
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_STRINGS = [
    "",
    " ",
    "²",
    "1-²",
    "٣",
    "9999-12-31",
    "0001-01-01",
    "-1",
    "0",
    "NaN",
    "Infinity",
    "\x00",
    "\ud7ff",
    "😀" * 50,
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "%00",
    "..",
    "1" * 40,
    "2026-02-30",
    "2026-13-01",
    "1e309",
    "-" * 30,
    "=cmd|' /C calc'!A0",
]
HOSTILE_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    10**30,
    -(10**30),
    1.5,
    1e308,
    [],
    {},
    [1, 2],
    {"a": 1},
    "x" * 5000,
    *HOSTILE_STRINGS,
]
# The parameters that the views read, so a fuzz reaches the forms, not only 404s.
PAGE_PARAMETERS = [
    "start",
    "end",
    "by",
    "source",
    "rating",
    "has_comment",
    "reason",
    "status",
    "version",
    "q",
    "positive_after",
    "negative_after",
    "column",
    "window",
    "next",
    "page",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=30):
    """(status or the name of the connection error, body bytes)."""
    link = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        link.request(method, path, body=body, headers=headers or {})
        response = link.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    except (OSError, http.client.HTTPException) as error:
        return type(error).__name__, b"", {}
    finally:
        link.close()


def valid_message(event_id: str, conversation: str, user: str) -> dict:
    return {
        "type": "message",
        "id": event_id,
        "conversation": conversation,
        "user": user,
        "role": "user",
        "timestamp": "2026-11-20T10:00:00+01:00",
        "content": "Hello",
    }


def hostile_event(rng: random.Random, number: int) -> object:
    """A valid event with a few fields broken, removed, added or retyped; or junk."""
    if rng.random() < 0.1:
        return rng.choice(HOSTILE_VALUES)
    kind = rng.choice(["message", "feedback", "failure"])
    event = {
        "type": kind,
        "id": f"fz-{number}",
        "conversation": "c1",
        "user": "u1",
        "role": rng.choice(["user", "assistant"]),
        "timestamp": "2026-11-20T10:00:00Z",
        "content": "Hi",
        "message": "fz-1",
        "rating": rng.choice(["positive", "negative"]),
        "model": "m",
        "latency_ms": 10,
        "input_tokens": 1,
        "output_tokens": 1,
        "cost_usd": 0.1,
        "reasons": ["Helpful"],
        "contact": {"name": "A", "email": "a@b.c"},
        "share_chat": True,
        "comment": "c",
    }
    for _ in range(rng.randint(0, 4)):
        field = rng.choice([*event.keys(), rng.choice(HOSTILE_STRINGS) or "extra"])
        action = rng.random()
        if action < 0.3:
            event.pop(field, None)
        else:
            event[field] = rng.choice(HOSTILE_VALUES)
    return event


def hostile_api_request(rng: random.Random, number: int, key: str) -> tuple[bytes, dict]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    roll = rng.random()
    if roll < 0.05:
        headers["Authorization"] = rng.choice(
            ["", "Bearer", "Bearer nope", "Basic x", "Bearer " + "k" * 500]
        )
    elif roll < 0.1:
        headers["Content-Type"] = rng.choice(
            ["text/plain", "application/json; charset=latin-1", ""]
        )
    elif roll < 0.13:
        headers["Content-Encoding"] = "gzip"
    shape = rng.random()
    if shape < 0.15:
        body = rng.choice(
            [
                b"",
                b"{",
                b"[]",
                b"null",
                b'{"events":',
                b"\xff\xfe",
                b'{"events": {}}',
                b'{"events": [], "x": 1}',
                b"[" * 5000 + b"]" * 5000,
                b'{"events": [NaN]}',
            ]
        )
    elif shape < 0.2:
        body = json.dumps(
            {"events": [valid_message(f"big-{number}-{i}", "c", "u") for i in range(1001)]}
        ).encode()
    else:
        events = [hostile_event(rng, number * 10 + i) for i in range(rng.randint(1, 8))]
        body = json.dumps({"events": events}, allow_nan=True).encode()
    return body, headers


def hostile_query(rng: random.Random) -> str:
    pairs = []
    for _ in range(rng.randint(0, 5)):
        name = rng.choice(PAGE_PARAMETERS) if rng.random() < 0.8 else rng.choice(HOSTILE_STRINGS)
        value = rng.choice(
            HOSTILE_STRINGS
            + [
                f"{rng.randint(1, 9999):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}",
                str(rng.randint(-(10**20), 10**20)),
            ]
        )
        pairs.append((name, value))
    if rng.random() < 0.1:
        return quote("".join(rng.choice(HOSTILE_STRINGS) for _ in range(3)), safe="=&%")
    return urlencode(pairs)


def production_environment(**settings: str) -> dict[str, str]:
    """This process's environment with production's `settings`. The browser tests relax
    Django's async guard for the whole test session; production never does."""
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    # Production settings refuse to start without a key; these servers' data is made up.
    inherited.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    return inherited | {"DEBUG": "0", **settings}


class Gunicorn:
    """gunicorn with the production config on a free loopback port, serving the database of
    `database_url` (the environment's when None); `log` gets its output."""

    def __init__(self, database_url: str | None, log: Path) -> None:
        self.port = free_port()
        self.log = log.open("w")
        database = {"DATABASE_URL": database_url} if database_url else {}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--config",
                "insights/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "insights.wsgi",
            ],
            cwd=ROOT,
            env=production_environment(ALLOWED_HOSTS="127.0.0.1", **database),
            stdout=self.log,
            stderr=self.log,
        )
        deadline = time.monotonic() + 60
        while request(self.port, "GET", "/accounts/login/", timeout=2)[0] != 200:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start: see {log}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)
        self.log.close()


def histogram(statuses) -> dict:
    return dict(sorted(Counter(str(s) for s in statuses).items()))


def fuzz_api(port: int, key: str, count: int, seed: int) -> dict:
    rng = random.Random(seed)
    statuses = []
    for number in range(count):
        body, headers = hostile_api_request(rng, number, key)
        status, answer, response_headers = request(port, "POST", "/api/v1/events", body, headers)
        if isinstance(status, int) and not response_headers.get("Content-Type", "").startswith(
            "application/json"
        ):
            status = f"{status}-not-json"
        statuses.append(status)
    return histogram(statuses)


def fuzz_pages(port: int, cookie: str, paths: list[str], count: int, seed: int) -> dict:
    rng = random.Random(seed)
    statuses = []
    cut_off = []
    for _ in range(count):
        path = rng.choice(paths)
        url = f"{path}?{hostile_query(rng)}"
        status, _, _ = request(port, "GET", url, headers={"Cookie": cookie})
        statuses.append(status)
        if not isinstance(status, int):
            # A page cut off mid-stream is a server error the status line could not show.
            cut_off.append(f"{status} {url}")
    return histogram(statuses) | ({"cut_off": cut_off[:5]} if cut_off else {})


def restarts_under_load(port, key, server, *, clients=4, restarts=2, batch=50, seconds_between=4.0):
    """Clients post batches of new events and resend each one until it is acknowledged (200);
    the server is stopped (fast, then a crash) and started meanwhile."""
    stop = threading.Event()
    seen: list[list] = [[] for _ in range(clients)]
    acknowledged: list[set] = [set() for _ in range(clients)]
    sent_ids: list[set] = [set() for _ in range(clients)]

    def client(number: int) -> None:
        sequence = 0
        while not stop.is_set():
            ids = [f"load-{number}-{sequence + i}" for i in range(batch)]
            sequence += batch
            body = json.dumps(
                {
                    "events": [
                        valid_message(i, f"conv-{number}-{sequence // 500}", f"user-{number}")
                        for i in ids
                    ]
                }
            )
            sent_ids[number].update(ids)
            for _attempt in range(600):
                status, answer, _ = request(
                    port,
                    "POST",
                    "/api/v1/events",
                    body,
                    {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
                    timeout=10,
                )
                seen[number].append(status)
                if status == 200:
                    acknowledged[number].update(ids)
                    break
                time.sleep(0.2)
            else:
                return

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    modes = ["fast", "immediate", "fast", "immediate"]
    for index in range(restarts):
        time.sleep(seconds_between)
        server.stop(modes[index % len(modes)])
        time.sleep(2.0)
        server.start()
    time.sleep(seconds_between)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    return {
        "statuses": histogram(s for statuses in seen for s in statuses),
        "acknowledged": sum(len(a) for a in acknowledged),
        "acknowledged_ids": set().union(*acknowledged),
        "sent": sum(len(s) for s in sent_ids),
    }


def stalled_clients(port: int) -> dict:
    stalled = []
    for _ in range(2):
        conn = socket.create_connection(("127.0.0.1", port), timeout=5)
        conn.sendall(
            b"POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            b"username=stall"
        )
        stalled.append(conn)
    time.sleep(0.5)
    timings = []
    for _ in range(20):
        started = time.monotonic()
        status, _, _ = request(port, "GET", "/accounts/login/", timeout=5)
        timings.append((status, round((time.monotonic() - started) * 1000, 1)))
    for conn in stalled:
        conn.close()
    return {
        "statuses": histogram(s for s, _ in timings),
        "max_ms": max(t for _, t in timings),
        "median_ms": sorted(t for _, t in timings)[len(timings) // 2],
    }


def run_deploy_check(**settings: str) -> subprocess.CompletedProcess:
    """`manage.py check --deploy` with production settings (and `settings`), warnings
    failing it."""
    environment = production_environment(
        SECRET_KEY="p" * 30 + "-production-secret-with-enough-variety-0123456789",
        ALLOWED_HOSTS="insights.example.com",
        SECURE_SSL_REDIRECT="1",
        SECURE_COOKIES="1",
        SECURE_HSTS_SECONDS="31536000",
        **settings,
    )
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
    )


def check_deploy() -> str:
    result = run_deploy_check(BEHIND_HTTPS_PROXY="1", PROXY_COUNT="1")
    return f"exit {result.returncode}: {(result.stdout + result.stderr).strip()}"


def temporary_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="resilience-"))
