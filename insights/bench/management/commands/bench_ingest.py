"""`manage.py bench_ingest`: how fast the events API takes chat events, and that none is lost.

The app runs under gunicorn (2 workers) on 127.0.0.1 against a database of its own. Four
client processes post message events for a fixed time, first in batches of 500, then the
same events one per request (to a second assistant, so they are new there too). The traffic
is shaped like real use: each simulated person chats about ten messages a day, in one or two
conversations, and the days follow each other. Afterwards the ids that the clients saw
acknowledged are compared with the stored ones (none lost, none doubled), and the counters
with a recount from the raw events. Last, batches are stored in this process step by step
(`insights.bench.ingest_breakdown`), to show where a batch's time goes.

Progress and a summary go to stderr, one JSON object to stdout. Only loopback traffic.
"""

import collections
import http.client
import json
import math
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from assistants import services
from assistants.models import Message
from insights.bench import busy_percent, cpu_jiffies, ingest_breakdown, recount, timings_ms
from insights.bench.database import (
    INGEST_DATABASE_NAME,
    drop_database,
    ingest_database_url,
    recreate_database,
    same_database,
)
from insights.bench.ingest_traffic import batch_body, traffic
from insights.database import embedded_database_url

TARGET_EVENTS_PER_SECOND = 25_000
# Requests built ahead of the measured window (more are built on the fly if it runs out).
PREPARED_EVENTS_PER_SECOND = 2 * TARGET_EVENTS_PER_SECOND
PREPARED_REQUESTS_PER_SECOND = 2_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _timings_ms(latencies: list[float]) -> dict:
    """`timings_ms` of the request times, also when no request got an answer."""
    if not latencies:
        return {"median_ms": None, "p95_ms": None, "requests": 0}
    figures = timings_ms(latencies)
    return {
        "median_ms": figures["median_ms"],
        "p95_ms": figures["p95_ms"],
        "requests": len(latencies),
    }


# --- the clients (separate processes; they never touch the database) -------------------


class _Client:
    """One front end: posts its traffic in requests of `batch_size` events."""

    def __init__(self, client, port, key, batch_size, people, seed, ids_file):
        self.stream = traffic(client, people, seed)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.link = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.batch_size = batch_size
        self.acknowledged = ids_file

        self.prepared: collections.deque = collections.deque()

    def next_request(self) -> tuple[list[str], bytes]:
        batch = [next(self.stream) for _ in range(self.batch_size)]
        return [event_id for event_id, _ in batch], batch_body(batch)

    def prepare(self, requests: int) -> None:
        """Build requests ahead, so that building them does not take the server's CPU while
        it is measured (on one machine, client and server share the cores)."""
        self.prepared.extend(self.next_request() for _ in range(requests))

    def run_until(self, deadline: float) -> tuple[dict, list[float]]:
        figures = {"sent": 0, "accepted": 0, "duplicates": 0, "refused": 0, "failed_requests": 0}
        latencies: list[float] = []
        while time.time() < deadline:
            ids, body = self.prepared.popleft() if self.prepared else self.next_request()
            began = time.perf_counter()
            try:
                self.link.request("POST", "/api/v1/events", body, self.headers)
                response = self.link.getresponse()
                data = response.read()
                if response.getheader("Connection", "").lower() == "close":
                    self.link.close()
            except (OSError, http.client.HTTPException):
                self.link.close()
                figures["failed_requests"] += 1
                continue
            latencies.append(time.perf_counter() - began)
            figures["sent"] += len(ids)
            if response.status != 200:
                figures["failed_requests"] += 1
                continue
            answer = json.loads(data)
            refused = {error["index"] for error in answer["errors"]}
            figures["accepted"] += answer["accepted"]
            figures["duplicates"] += answer["duplicates"]
            figures["refused"] += len(refused)
            self.acknowledged.writelines(
                f"{event_id}\n" for index, event_id in enumerate(ids) if index not in refused
            )
        return figures, latencies


def run_client(client, port, key, batch_size, options, ids_path, timing, results):
    """Warm up, wait while the server's tables are analysed, then post until the time is up.
    Writes every acknowledged id to `ids_path` and reports the measured window's figures."""
    warmup, ready, go, start = timing
    with open(ids_path, "w") as ids_file:
        front_end = _Client(
            client, port, key, batch_size, options["people"], options["seed"], ids_file
        )
        warm_figures, _ = front_end.run_until(time.time() + warmup)
        rate = PREPARED_EVENTS_PER_SECOND if batch_size > 1 else PREPARED_REQUESTS_PER_SECOND
        front_end.prepare(math.ceil(rate * options["seconds"] / options["clients"] / batch_size))
        ready.wait()
        go.wait()
        time.sleep(max(0.0, start.value - time.time()))
        figures, latencies = front_end.run_until(start.value + options["seconds"])
    front_end.link.close()
    results.put((client, figures, latencies, warm_figures["accepted"]))


# --- the command -----------------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Benchmark the events API under gunicorn (2 workers) on 127.0.0.1: 4 clients post "
        "batches of 500 message events for 60 s, then the same events one per request; "
        "prints events/s and p95 request time of each, then checks that no acknowledged "
        "event is lost or doubled and that the counters equal a recount. Uses its own "
        f"database ({INGEST_DATABASE_NAME} on the embedded server, made anew each run; with "
        "DATABASE_URL set, BENCH_INGEST_DATABASE_URL names a database it may drop and create)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seconds", type=float, default=60, help="Length of each phase.")
        parser.add_argument(
            "--warmup",
            type=float,
            default=10,
            help="Seconds of traffic before each phase is measured (its events are audited too).",
        )
        parser.add_argument("--clients", type=int, default=4)
        parser.add_argument("--batch", type=int, default=500, help="Events per batch.")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers.")
        parser.add_argument("--people", type=int, default=2000, help="Simulated people per client.")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--breakdown-batches",
            type=int,
            default=300,
            help="Batches stored in this process, step by step, to show where a batch's time "
            "goes (0 skips it).",
        )
        parser.add_argument(
            "--keep", action="store_true", help="Keep the bench database after the run."
        )
        parser.add_argument("--on-bench-database", action="store_true", help="(internal)")

    def handle(self, *args, **options):
        if not options["on_bench_database"]:
            self._rerun_on_bench_database(options)
            return
        self.started = time.perf_counter()
        self.progress(f"migrating the bench database {connection.settings_dict['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        creator, _ = get_user_model().objects.get_or_create(username="bench")
        phases = [
            ("batches", options["batch"]),
            ("one_per_request", 1),
        ]
        report = {
            "server": f"gunicorn, {options['workers']} workers, 127.0.0.1",
            "clients": options["clients"],
            "seconds": options["seconds"],
            "cpus": os.cpu_count(),
        }
        port = _free_port()
        server = self._start_server(port, options["workers"])
        try:
            for name, batch_size in phases:
                assistant = services.create_assistant(
                    creator=creator, name=f"Bench {name}", time_zone="Europe/Paris"
                )
                # The per-key rate limit is not what is measured here.
                _, key = services.create_api_key(
                    assistant=assistant,
                    name="bench",
                    created_by=creator,
                    requests_per_minute=1_000_000_000,
                )
                report[name] = self._phase(name, assistant, key, port, batch_size, options)
        finally:
            server.terminate()
            server.wait(timeout=30)
        if options["breakdown_batches"]:
            report["breakdown"] = self._breakdown(creator, options)
        batches = report["batches"]
        report["target"] = {
            "events_per_second": batches["events_per_second"],
            "goal": f">= {TARGET_EVENTS_PER_SECOND}",
            "met": batches["events_per_second"] >= TARGET_EVENTS_PER_SECOND,
        }
        report["all_checks_passed"] = all(report[name]["check"]["passed"] for name, _ in phases)
        self._summary(report)
        self.stdout.write(json.dumps(report, indent=2))
        if not report["all_checks_passed"]:
            raise CommandError("events were lost or doubled, or the counters are off")

    def progress(self, message: str) -> None:
        elapsed = time.perf_counter() - self.started
        print(f"[{elapsed:7.1f}s] {message}", file=sys.stderr, flush=True)

    def _start_server(self, port: int, workers: int) -> subprocess.Popen:
        self.progress(f"starting gunicorn with {workers} workers on 127.0.0.1:{port}")
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "insights.wsgi:application",
                f"--workers={workers}",
                f"--bind=127.0.0.1:{port}",
                "--timeout=120",
                "--log-level=warning",
            ],
            cwd=settings.BASE_DIR,
            env=os.environ | {"DEBUG": "0"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                raise CommandError("gunicorn stopped before serving")
            try:
                link = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                link.request("GET", "/api/v1/openapi.json")
                if link.getresponse().status == 200:
                    link.close()
                    return server
            except OSError:
                time.sleep(0.2)
        server.terminate()
        raise CommandError("gunicorn did not answer within 60 s")

    def _phase(self, name, assistant, key, port, batch_size, options) -> dict:
        clients, seconds, warmup = options["clients"], options["seconds"], options["warmup"]
        self.progress(
            f"{name}: {clients} clients post {batch_size} event(s) per request for "
            f"{warmup:g} s (warm-up), then for {seconds:g} s"
        )
        connection.close()  # the clients are forked; they must not share this connection
        results = multiprocessing.Queue()
        ready, go = multiprocessing.Barrier(clients + 1), multiprocessing.Barrier(clients + 1)
        start = multiprocessing.Value("d", 0.0)
        with tempfile.TemporaryDirectory(prefix="bench-ingest-") as folder:
            paths = [Path(folder) / f"client-{client}.ids" for client in range(clients)]
            processes = [
                multiprocessing.Process(
                    target=run_client,
                    args=(
                        client,
                        port,
                        key,
                        batch_size,
                        options,
                        str(paths[client]),
                        (warmup, ready, go, start),
                        results,
                    ),
                )
                for client in range(clients)
            ]
            for process in processes:
                process.start()
            ready.wait()
            # A long-lived database has statistics of its tables; a new one gets them here,
            # after the warm-up, instead of whenever autovacuum next wakes up.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            connection.close()
            start.value = time.time() + 0.5
            go.wait()
            time.sleep(max(0.0, start.value - time.time()))
            cpu_before = cpu_jiffies()
            reports = [results.get() for _ in processes]
            finished = time.time()
            cpu_after = cpu_jiffies()
            for process in processes:
                process.join()
            acknowledged: list[str] = []
            for path in paths:
                acknowledged.extend(path.read_text().split())
        start_at = start.value
        elapsed = finished - start_at
        figures = {field: sum(report[1][field] for report in reports) for field in reports[0][1]}
        latencies = [latency for report in reports for latency in report[2]]
        result = {
            "events_per_request": batch_size,
            **figures,
            "elapsed_s": round(elapsed, 2),
            "events_per_second": round(figures["accepted"] / elapsed),
            "requests_per_second": round(len(latencies) / elapsed, 1),
            **_timings_ms(latencies),
        }
        self.progress(
            f"{name}: {result['events_per_second']:,} events/s, p95 {result['p95_ms']} ms; "
            "checking the stored events"
        )
        busy = busy_percent(cpu_before, cpu_after)
        if busy is not None:
            # The machine may be shared: how busy its cores were while this phase ran.
            result["machine_cpu_busy_percent"] = busy
        result["load_average_1min"] = round(os.getloadavg()[0], 2)
        warm_accepted = sum(report[3] for report in reports)
        result["warmup_accepted"] = warm_accepted
        result["check"] = self._check(assistant, acknowledged, figures["accepted"] + warm_accepted)
        return result

    def _check(self, assistant, acknowledged: list[str], accepted: int) -> dict:
        stored_ids = list(
            Message.objects.filter(assistant=assistant).values_list("external_id", flat=True)
        )
        stored = set(stored_ids)
        counters = recount.counters(assistant.pk)
        recounted = recount.recounted(assistant.pk)
        check = {
            "acknowledged": len(acknowledged),
            "stored": len(stored_ids),
            "lost": len(set(acknowledged) - stored),
            "doubled": len(stored_ids) - len(stored),
            "acknowledged_twice": len(acknowledged) - len(set(acknowledged)),
            # An answer lost in transit may leave stored events that were never acknowledged;
            # `accepted` counts each stored event once.
            "accepted_equals_stored": accepted == len(stored_ids),
            "counters_equal_recount": counters == recounted,
            "messages_counted": counters["totals"][0][2] if counters["totals"] else 0,
        }
        check["passed"] = (
            check["lost"] == 0
            and check["doubled"] == 0
            and check["acknowledged_twice"] == 0
            and check["accepted_equals_stored"]
            and check["counters_equal_recount"]
            and check["messages_counted"] == len(stored_ids)
        )
        return check

    def _breakdown(self, creator, options) -> dict:
        batches = options["breakdown_batches"]
        self.progress(f"breakdown: {batches} batches of {options['batch']} in this process")
        assistant = services.create_assistant(
            creator=creator, name="Bench breakdown", time_zone="Europe/Paris"
        )
        return ingest_breakdown.run(
            assistant=assistant,
            batches=batches,
            warmup=max(1, batches // 5),
            batch_size=options["batch"],
            seed=options["seed"],
        )

    def _summary(self, report: dict) -> None:
        for name in ("batches", "one_per_request"):
            phase = report[name]
            check = phase["check"]
            self.progress(
                f"{name}: {phase['accepted']:,} events accepted in {phase['elapsed_s']} s = "
                f"{phase['events_per_second']:,} events/s ({phase['requests_per_second']} "
                f"requests/s, median {phase['median_ms']} ms, p95 {phase['p95_ms']} ms); "
                f"acknowledged {check['acknowledged']:,}, stored {check['stored']:,}, "
                f"lost {check['lost']}, doubled {check['doubled']}, counters equal a recount: "
                f"{'yes' if check['counters_equal_recount'] else 'NO'}; machine CPU busy "
                f"{phase.get('machine_cpu_busy_percent', '?')}%, load {phase['load_average_1min']}"
            )
        if "breakdown" in report:
            breakdown = report["breakdown"]
            steps = ", ".join(f"{name} {ms}" for name, ms in breakdown["store_steps_ms"].items())
            self.progress(
                f"breakdown, ms per batch of {breakdown['events_per_batch']}: validate "
                f"{breakdown['validate_ms']}, store {breakdown['store_ms']} ({steps})"
            )
        target = report["target"]
        self.progress(
            f"target >= {TARGET_EVENTS_PER_SECOND:,} events/s in batches: "
            f"{'met' if target['met'] else 'NOT met'} ({target['events_per_second']:,})"
        )

    def _rerun_on_bench_database(self, options) -> None:
        try:
            url = ingest_database_url()
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        main = os.environ.get("DATABASE_URL", "").strip() or embedded_database_url()
        if same_database(main, url):
            raise CommandError("The bench database must be another one than the app's.")
        recreate_database(url)
        argv = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_ingest"]
        argv.append("--on-bench-database")
        names = ("seconds", "warmup", "clients", "batch", "workers", "people", "seed")
        for name in (*names, "breakdown_batches"):
            argv.append(f"--{name.replace('_', '-')}={options[name]}")
        env = os.environ | {"DATABASE_URL": url}
        try:
            returncode = subprocess.run(argv, env=env, check=False).returncode
        finally:
            if not options["keep"]:
                drop_database(url)
        if returncode:
            raise CommandError(f"the benchmark stopped (exit status {returncode})")
