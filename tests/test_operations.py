"""The management commands and settings of SPEC §8."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from assistants import parallel_rebuild
from assistants.models import (
    Assistant,
    DailyActiveUser,
    DailyAnswerStats,
    DailyPeople,
    DailyUsage,
    Membership,
    Message,
    UsageTotals,
)
from feedback.models import DailyFeedback, DailyFeedbackFacet, VersionFeedback
from insights.bench.resilience import run_deploy_check
from tests.factories import UserFactory
from tests.recount import counter_columns

ROOT = Path(__file__).resolve().parents[1]


def test_create_assistant_prints_the_new_id(db, capsys):
    UserFactory(username="casey")
    UserFactory(username="eden")
    UserFactory(username="uma")
    call_command(
        "create_assistant",
        "--creator=casey",
        "--name=Helper",
        "--editor=eden",
        "--user=uma",
        "--time-zone=Europe/Paris",
    )
    assistant = Assistant.objects.get(pk=int(capsys.readouterr().out.strip()))
    assert (assistant.name, assistant.time_zone) == ("Helper", "Europe/Paris")
    assert set(Membership.objects.values_list("user__username", "role")) == {
        ("eden", "editor"),
        ("uma", "user"),
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--creator=ghost", "--name=X"], "No user named 'ghost'."),
        (["--creator=casey", "--name=X", "--time-zone=Nowhere/City"], "IANA time zone"),
    ],
)
def test_create_assistant_explains_bad_input(db, arguments, message):
    UserFactory(username="casey")
    with pytest.raises(CommandError, match=message):
        call_command("create_assistant", *arguments)


def test_seed_demo_loads_once_and_rebuild_reproduces_its_counters(db, capsys):
    call_command("seed_demo", "--days=6")
    first_output = capsys.readouterr().out
    assert "creator" in first_output and "insights-demo" in first_output
    counts = (Assistant.objects.count(), Message.objects.count())
    assert counts[1] > 0

    call_command("seed_demo", "--days=6")
    assert "already loaded" in capsys.readouterr().out
    assert (Assistant.objects.count(), Message.objects.count()) == counts

    assert DailyFeedback.objects.exists()
    before = _counters()
    DailyUsage.objects.all().delete()
    DailyFeedback.objects.all().delete()
    UsageTotals.objects.update(users=0, conversations=0, messages=0)
    call_command("rebuild_insights")
    assert _counters() == before


def test_rebuild_insights_refuses_an_unknown_assistant(db):
    with pytest.raises(CommandError, match="No assistant with id 424242"):
        call_command("rebuild_insights", "424242")


def test_rebuild_insights_refuses_fewer_than_one_job(db):
    with pytest.raises(CommandError, match="--jobs must be 1 or more"):
        call_command("rebuild_insights", "--jobs=0")


COUNTERS = (
    DailyUsage,
    DailyActiveUser,
    DailyPeople,
    UsageTotals,
    DailyAnswerStats,
    DailyFeedback,
    VersionFeedback,
    DailyFeedbackFacet,
)


def _every_counter_row() -> dict[str, list]:
    return {
        model.__name__: sorted(
            model.objects.values_list("assistant_id", *counter_columns(model)), key=repr
        )
        for model in COUNTERS
    }


# Committed rows: the other connections see nothing of a test's transaction.
@pytest.mark.django_db(transaction=True)
def test_rebuild_on_two_connections_makes_the_rows_of_one_transaction(monkeypatch):
    call_command("seed_demo", "--days=6")
    for model in COUNTERS:
        model.objects.all().delete()
    call_command("rebuild_insights", "--jobs=1")
    in_one_transaction = _every_counter_row()
    assert all(in_one_transaction.values())

    shares_rebuilt = []
    rebuild_share = parallel_rebuild._rebuild_share
    monkeypatch.setattr(
        parallel_rebuild,
        "_rebuild_share",
        lambda ids: (shares_rebuilt.append(ids), rebuild_share(ids)),
    )
    for model in COUNTERS:
        model.objects.all().delete()
    call_command("rebuild_insights", "--jobs=2")
    assert len(shares_rebuilt) == 2
    assert sorted(pk for ids in shares_rebuilt for pk in ids) == sorted(
        Assistant.objects.values_list("pk", flat=True)
    )
    assert _every_counter_row() == in_one_transaction


def test_shares_put_the_busiest_assistants_apart():
    work = {1: 1000, 2: 900, 3: 120, 4: 100, 5: 0}
    assert parallel_rebuild.shares(work, 2) == [[1, 4], [2, 3, 5]]
    assert parallel_rebuild.shares(work, 1) == [[1, 2, 3, 4, 5]]
    assert parallel_rebuild.shares({7: 5}, 3) == [[7]]


def _counters():
    daily = sorted(
        DailyUsage.objects.values_list(
            "assistant_id",
            "day",
            "active_users",
            "conversations",
            "user_messages",
            "assistant_messages",
        )
    )
    feedback = sorted(
        DailyFeedback.objects.values_list("assistant_id", "day", "positive", "negative")
    )
    totals = sorted(
        UsageTotals.objects.values_list("assistant_id", "users", "conversations", "messages")
    )
    return daily, feedback, totals


def test_production_settings_pass_the_deploy_check():
    result = run_deploy_check()
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_setting_fails_loudly():
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=os.environ | {"DEBUG": "perhaps"},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "DEBUG must be a boolean" in result.stderr


def _manage_check(**variables):
    environment = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=environment | variables,
        capture_output=True,
        text=True,
    )


def test_without_a_secret_key_production_refuses_to_start():
    result = _manage_check(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY is not set: set the environment variable SECRET_KEY" in result.stderr


def test_development_runs_without_a_secret_key():
    result = _manage_check(DEBUG="1")
    assert result.returncode == 0, result.stderr
