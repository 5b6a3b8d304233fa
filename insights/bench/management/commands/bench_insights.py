"""`manage.py bench_insights`: how fast Usage Insights is on ten million messages."""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from insights.bench import (
    Bench,
    analytics,
    dataset,
    feedback,
    impact,
    people,
    rebuild,
    targets_table,
)
from insights.bench.database import bench_database_url, same_database

# Each section adds its figures under its name; a later one may use what an earlier found.
# `dataset` comes first and always runs (it reuses the stored dataset): the others read it.
SECTIONS = [
    ("dataset", dataset.run),
    ("rebuild", rebuild.run),
    ("analytics", analytics.run),
    ("people", people.run),
    ("feedback", feedback.run),
    ("impact", impact.run),
]

_FORWARDED = (
    *("assistants", "messages", "largest", "seed", "ratings", "people", "runs", "warmups"),
    "naive_runs",
    "only",
)


def _sections(text: str) -> list[str]:
    """The sections `--only` names, in the registry's order; `dataset` always."""
    known = [name for name, _ in SECTIONS]
    asked = {name.strip() for name in text.split(",") if name.strip()} if text else set(known)
    unknown = asked - set(known)
    if unknown:
        raise CommandError(
            f"No section {', '.join(sorted(unknown))}; the sections are {', '.join(known)}."
        )
    return [name for name in known if name in asked or name == "dataset"]


class Command(BaseCommand):
    help = (
        "Benchmark Usage Insights on a year of chat events (10,000,000 messages across 1,000 "
        "assistants, the largest with 1,000,000): load time, a full rebuild of every rollup, "
        "and the Analytics tab's server time against a naive count from the raw messages. "
        "Progress goes to stderr, one JSON object to stdout. "
        "It never touches the app's database. Without DATABASE_URL it uses the database "
        "`insights_bench` on the embedded server (created when missing); with DATABASE_URL set "
        "it needs BENCH_DATABASE_URL, another database that must exist. It re-runs itself with "
        "DATABASE_URL pointing there, migrates it, and keeps the dataset for the next run "
        "(--reload loads it again)."
    )

    def add_arguments(self, parser):
        shape = dataset.Shape()
        parser.add_argument("--reload", action="store_true", help="Load the dataset again.")
        parser.add_argument(
            "--assistants",
            type=int,
            default=shape.assistants,
            help="Assistants, the last "
            f"{shape.empty_assistants} without messages (default {shape.assistants:,}).",
        )
        parser.add_argument(
            "--messages", type=int, default=shape.messages, help="Messages in all (even)."
        )
        parser.add_argument(
            "--largest", type=int, default=shape.largest, help="Messages of the largest one."
        )
        parser.add_argument("--seed", type=int, default=shape.seed, help="Of the generator.")
        parser.add_argument(
            "--ratings",
            type=int,
            default=feedback.LARGE_RATINGS,
            help="Ratings the feedback section gives the largest assistant "
            f"(default {feedback.LARGE_RATINGS:,}).",
        )
        parser.add_argument(
            "--people",
            type=int,
            default=0,
            help="People of the people section's crowd assistant (default: the messages / 100, "
            "between 1,000 and 100,000).",
        )
        parser.add_argument(
            "--only",
            default="",
            metavar="SECTION[,SECTION]",
            help="Run only these sections (after `dataset`, which every other reads, and "
            "`rebuild` when the dataset was loaded anew): "
            + ", ".join(name for name, _ in SECTIONS)
            + ".",
        )
        parser.add_argument("--runs", type=int, default=50, help="Timed loads of each page.")
        parser.add_argument("--warmups", type=int, default=5, help="Untimed loads before.")
        parser.add_argument(
            "--naive-runs", type=int, default=5, help="Timed naive counts of each range."
        )
        # Set when the command re-runs itself on the bench database.
        parser.add_argument("--on-bench-database", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        shape = dataset.Shape(
            assistants=options["assistants"],
            messages=options["messages"],
            largest=options["largest"],
            seed=options["seed"],
        )
        try:
            shape.check()
        except ValueError as error:
            raise CommandError(f"Cannot build that dataset: {error}.") from None
        chosen = _sections(options["only"])
        if not options["on_bench_database"]:
            self._rerun_on_bench_database(options)
            return
        if not same_database(
            os.environ.get("DATABASE_URL", ""), os.environ.get("BENCH_DATABASE_URL", "")
        ):
            raise CommandError("--on-bench-database needs DATABASE_URL = BENCH_DATABASE_URL")

        # WhiteNoise serves from the finders here; collectstatic has not run.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        bench = Bench(options={**options, "shape": shape})
        try:
            dataset.check_database_is_ours()
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        bench.progress(f"migrating the bench database {connection.settings_dict['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            (server_version,) = cursor.fetchone()
        report: dict = {
            "database": {"name": connection.settings_dict["NAME"], "postgresql": server_version},
            # Timings are only comparable on a machine that is otherwise idle.
            "machine": {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg()},
            # Wall-clock time of each section, to plan a run.
            "seconds": {},
        }
        for name, section in SECTIONS:
            if name == "rebuild" and not report["dataset"]["reused"]:
                # A new load has empty rollups: every later section reads them.
                chosen.append(name)
            if name in chosen:
                started = time.perf_counter()
                report[name] = section(bench)
                report["seconds"][name] = round(time.perf_counter() - started, 1)
        report["machine"]["load_average_at_end"] = os.getloadavg()
        report["targets"] = [target.as_dict() for target in bench.targets]
        report["all_targets_met"] = all(target.met for target in bench.targets)
        bench.progress(f"done; targets:\n{targets_table(bench.targets)}")
        self.stdout.write(json.dumps(report, indent=2, default=str))

    def _rerun_on_bench_database(self, options) -> None:
        try:
            url = bench_database_url()
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        main = os.environ.get("DATABASE_URL", "").strip()
        if main and same_database(main, url):
            raise CommandError("BENCH_DATABASE_URL must name another database than DATABASE_URL.")
        argv = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_insights"]
        argv.append("--on-bench-database")
        argv += [f"--{name.replace('_', '-')}={options[name]}" for name in _FORWARDED]
        if options["reload"]:
            argv.append("--reload")
        env = os.environ | {"DATABASE_URL": url, "BENCH_DATABASE_URL": url}
        returncode = subprocess.run(argv, env=env, check=False).returncode
        if returncode:
            sys.exit(returncode)  # the run on the bench database has said why
