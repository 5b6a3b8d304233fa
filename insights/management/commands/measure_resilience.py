"""Prints the resilience figures (docs/deploy.md): a fuzz of the events API and the pages with
their status histograms, events acknowledged vs stored across database restarts under load,
the stalled-client timings and `check --deploy` with production settings.

It starts its own PostgreSQL server (a temporary data folder; never the one of DATABASE_URL)
and gunicorn with the production config, on loopback only. About two minutes.
"""

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.urls import reverse

from assistants import services
from assistants.models import Message
from feedback.models import Rating
from insights.bench import resilience
from insights.bench.private_postgres import PrivatePostgres

PASSWORD = "resilience-measure-pass"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--api-requests", type=int, default=10_000)
        parser.add_argument("--page-requests", type=int, default=2_000)
        parser.add_argument("--restarts", type=int, default=2)
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args, **options):
        folder = resilience.temporary_folder()
        server = PrivatePostgres(folder / "pg")
        connection = connections["default"]
        saved = dict(connection.settings_dict)
        gunicorn = None
        try:
            server.create_database("resilience")
            connection.close()
            connection.settings_dict.update(server.django_settings("resilience"))
            call_command("migrate", verbosity=0, interactive=False)
            key, paths = self._data()
            connection.close()
            gunicorn = resilience.Gunicorn(server.url("resilience"), folder / "gunicorn.log")
            report = self._measure(gunicorn.port, key, paths, server, options)
            connection.close()
            stored = Message.objects.filter(external_id__startswith="load-")
            load = report["restarts_under_load"]
            stored_ids = list(stored.values_list("external_id", flat=True))
            acknowledged_ids = load.pop("acknowledged_ids")
            load["stored"] = len(stored_ids)
            load["lost"] = len(acknowledged_ids - set(stored_ids))
            load["doubled"] = len(stored_ids) - len(set(stored_ids))
            report["check_deploy"] = resilience.check_deploy()
        finally:
            if gunicorn is not None:
                gunicorn.stop()
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(saved)
            server.stop("immediate")
            shutil.rmtree(folder, ignore_errors=True)
        self.stdout.write(json.dumps(report, indent=2))
        server_errors = [
            status
            for part in ("api_fuzz", "page_fuzz")
            for status in report[part]
            if status.startswith("5") or status.endswith("not-json") or status == "cut_off"
        ]
        load = report["restarts_under_load"]
        bad_during_restarts = [
            s for s in load["statuses"] if s.isdigit() and s not in ("200", "503")
        ]
        if server_errors or load["lost"] or load["doubled"] or bad_during_restarts:
            raise CommandError(
                "a 5xx or a page cut off in the fuzz, an event lost or doubled, or a non-503 error"
            )

    def _data(self):
        creator = get_user_model().objects.create_user("creator", password=PASSWORD)
        assistant = services.create_assistant(creator=creator, name="Probe")
        _, key = services.create_api_key(
            assistant=assistant, name="probe", created_by=creator, requests_per_minute=10**9
        )
        return key, None

    def _paths(self, port: int, key: str) -> list[str]:
        events = [
            resilience.valid_message("seed-q", "seed", "u1"),
            {**resilience.valid_message("seed-a", "seed", "u1"), "role": "assistant"},
            {
                "type": "feedback",
                "id": "seed-f",
                "message": "seed-a",
                "user": "u1",
                "rating": "negative",
                "timestamp": "2026-11-20T10:05:00+01:00",
                "comment": "Too short",
                "share_chat": True,
            },
        ]
        status, body, _ = resilience.request(
            port,
            "POST",
            "/api/v1/events",
            json.dumps({"events": events}),
            {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
        )
        if status != 200:
            raise CommandError(f"seeding events failed: {status} {body[:200]}")
        rating = Rating.objects.get()
        assistant_id = rating.assistant_id
        conversation_id = rating.message.conversation_id
        return [
            reverse("assistants:list"),
            reverse("assistants:detail", args=[assistant_id]),
            reverse("assistants:chat", args=[assistant_id]),
            reverse("assistants:conversation", args=[assistant_id, conversation_id]),
            reverse("assistants:settings", args=[assistant_id]),
            reverse("assistants:share", args=[assistant_id]),
            reverse("insights:analytics", args=[assistant_id]),
            reverse("insights:analytics_csv", args=[assistant_id]),
            reverse("insights:feedback", args=[assistant_id]),
            reverse("insights:feedback_csv", args=[assistant_id]),
            reverse("insights:shared_chat", args=[assistant_id, rating.share_token]),
            reverse("api_keys:list", args=[assistant_id]),
            reverse("api-docs"),
            "/api/v1/openapi.json",
            "/accounts/login/",
        ]

    def _sign_in(self, port: int) -> str:
        _, _, headers = resilience.request(port, "GET", "/accounts/login/")
        cookies = SimpleCookie(headers.get("Set-Cookie", ""))
        csrf = cookies["csrftoken"].value
        status, _, headers = resilience.request(
            port,
            "POST",
            "/accounts/login/",
            f"username=creator&password={PASSWORD}&csrfmiddlewaretoken={csrf}",
            {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}"},
        )
        session = SimpleCookie(headers.get("Set-Cookie", ""))
        if status != 302 or "sessionid" not in session:
            raise CommandError(f"signing in failed: {status}")
        return f"sessionid={session['sessionid'].value}; csrftoken={csrf}"

    def _measure(self, port, key, _paths, server, options) -> dict:
        paths = self._paths(port, key)
        connections["default"].close()
        cookie = self._sign_in(port)
        report = {}
        seed = options["seed"]

        started = time.monotonic()
        report["api_fuzz"] = _fuzz_in_four(
            options["api_requests"],
            lambda count, part: resilience.fuzz_api(port, key, count, seed + part),
        )
        report["api_fuzz_seconds"] = round(time.monotonic() - started, 1)

        started = time.monotonic()
        report["page_fuzz"] = _fuzz_in_four(
            options["page_requests"],
            lambda count, part: resilience.fuzz_pages(
                port, cookie, paths, count, seed + 100 + part
            ),
        )
        report["page_fuzz_seconds"] = round(time.monotonic() - started, 1)

        report["restarts_under_load"] = resilience.restarts_under_load(
            port, key, server, restarts=options["restarts"]
        )
        report["stalled_clients"] = resilience.stalled_clients(port)
        return report


def _fuzz_in_four(requests: int, fuzz) -> dict:
    """`fuzz(count, part)` in four threads that share `requests` between them; their status
    histograms merged."""
    shares = [requests // 4] * 4
    shares[0] += requests - sum(shares)
    with ThreadPoolExecutor(4) as pool:
        parts = list(pool.map(fuzz, shares, range(4)))
    return _merge(parts)


def _merge(histograms: list[dict]) -> dict:
    """Counts added up; lists (the pages cut off) joined."""
    total: dict[str, int | list] = {}
    for histogram in histograms:
        for status, count in histogram.items():
            total[status] = total.get(status, [] if isinstance(count, list) else 0) + count
    return dict(sorted(total.items()))
