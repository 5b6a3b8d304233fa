"""The answers' figures of the impact of a change and of each version: failure rate, median
latency and cost, counted by hand, with their verdicts and the source they are read for."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from assistants import services
from assistants.answer_stats import bucket_value, latency_bucket
from assistants.services import NewConversation, NewFailure, NewMessage
from assistants.timeframe import DateRange
from insights.changes import version_records
from insights.impact import ImpactDay, Surroundings, Verdict, assess
from insights.quality import format_latency
from insights.selectors import ConfigurationChange, version_history
from tests.factories import UserFactory

DAY = date(2026, 6, 15)
BEFORE = DateRange(date(2026, 6, 1), date(2026, 6, 14))
AFTER = DateRange(date(2026, 6, 16), date(2026, 6, 29))
CHANGE = ConfigurationChange(
    number=2,
    changed_at=datetime(2026, 6, 15, 9, tzinfo=UTC),
    changed_fields=["model"],
    changed_by="casey",
)


def _assess(before: list[ImpactDay], after: list[ImpactDay], latencies=None):
    days = {d.day: d for d in before + after}
    impact = assess(
        CHANGE,
        window=14,
        days=days,
        around=Surroundings(first_activity=BEFORE.start, today=date(2026, 7, 31)),
        latencies=latencies,
    )
    return {a.figure.key: a for a in impact.assessments}


def _days(side: DateRange, **fields) -> list[ImpactDay]:
    return [ImpactDay(day, **fields) for day in side.days()]


def test_failure_rate_is_compared_in_points_with_newcombes_interval():
    # Newcombe 1998's example (a) as failed replies: 48 of 80 before, 56 of 70 after.
    before, after = _days(BEFORE, answers=1), _days(AFTER, answers=1)
    before[0] = ImpactDay(BEFORE.start, answers=32 - 13, failed_replies=48)
    after[0] = ImpactDay(AFTER.start, answers=14 - 13, failed_replies=56)
    rate = _assess(before, after)["failure_rate"]
    assert (rate.before, rate.after, rate.before_n, rate.after_n) == ("60.0 %", "80.0 %", 80, 70)
    assert rate.verdict == Verdict.WORSE
    assert rate.sentence == (
        "More replies failed after this change: 60.0 % → 80.0 % failed (+20.0 points, "
        "95 % interval +5.2 to +33.4), 80 and 70 replies."
    )


def test_a_failure_rate_needs_thirty_replies_a_side():
    rate = _assess(_days(BEFORE, answers=2), _days(AFTER, answers=1, failed_replies=1))[
        "failure_rate"
    ]
    assert rate.verdict == Verdict.NOT_ENOUGH_DATA
    assert rate.sentence == (
        "Not enough data to judge failure rate yet (28 and 28 replies): needs at least 30 "
        "replies on each side: 2 more replies before it; 2 more replies after it."
    )


def test_cost_a_day_is_a_mean_over_days_with_welchs_interval():
    before = [
        ImpactDay(day, answers=10, cost_usd=Decimal("1.00") if i % 2 else Decimal("1.20"))
        for i, day in enumerate(BEFORE.days())
    ]
    after = [
        ImpactDay(day, answers=10, cost_usd=Decimal("0.50") if i % 2 else Decimal("0.60"))
        for i, day in enumerate(AFTER.days())
    ]
    cost = _assess(before, after)["cost"]
    # Means 1.10 and 0.55; variances 0.14/13 and 0.035/13; Welch's df 19.1, t 2.092.
    assert cost.verdict == Verdict.BETTER
    assert cost.sentence == (
        "Lower cost a day after this change (better): $1.10 → $0.55 "
        "(−$0.55, 95 % interval −$0.61 to −$0.49), 14 and 14 days."
    )


def test_cost_is_not_compared_while_some_answers_have_no_price():
    after = _days(AFTER, answers=10, cost_usd=Decimal("0.01"))
    after[3] = ImpactDay(after[3].day, answers=10, unpriced_answers=3)
    cost = _assess(_days(BEFORE, answers=10, cost_usd=Decimal("0.02")), after)["cost"]
    assert cost.verdict == Verdict.NOT_ENOUGH_DATA
    assert (cost.before, cost.after) == ("$0.0200", "$0.0093")
    assert cost.sentence == (
        "Not enough data to judge cost a day yet: 0 and 3 answers without a price before and "
        "after it, whose models need a price (Django admin, then rebuild_insights)."
    )


def test_median_latency_with_the_distribution_free_interval_of_each_side():
    # 40 timed answers a side: the median is the 20th, its interval the 14th to the 27th.
    latencies = {
        BEFORE: [(1000.0, 20), (2000.0, 20)],  # median 1000, interval 1000 to 2000
        AFTER: [(500.0, 30), (1000.0, 10)],  # median 500, interval 500 to 500
    }
    latency = _assess(_days(BEFORE), _days(AFTER), latencies)["latency"]
    # −500 ms; from −500 − √(0² + 1000²) to −500 + √(0² + 0²).
    assert latency.verdict == Verdict.BETTER
    assert latency.sentence == (
        "Answers came faster after this change: 1.00 s → 500 ms (−0.50 s, 95 % interval "
        "−1.50 s to −0.50 s), 40 and 40 timed answers."
    )
    alike = {BEFORE: [(800.0, 40)], AFTER: [(800.0, 35)]}
    latency = _assess(_days(BEFORE), _days(AFTER), alike)["latency"]
    assert latency.verdict == Verdict.NO_CLEAR_CHANGE
    assert latency.sentence == (
        "No clear change in median latency: 800 ms → 800 ms (±0 ms, 95 % interval 0 ms to "
        "0 ms), 40 and 35 timed answers."
    )
    few = _assess(_days(BEFORE), _days(AFTER), {BEFORE: [(800.0, 40)]})["latency"]
    assert few.verdict == Verdict.NOT_ENOUGH_DATA
    assert (few.before, few.after) == ("800 ms", "—")


# --- Through the write path, the page and the Changes section -------------------------------

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)
CHANGE_AT = datetime(2026, 11, 10, 9, tzinfo=UTC)  # Nov 10 in Paris


def _ms(latency_ms: int) -> str:
    return format_latency(bucket_value(latency_bucket(latency_ms)))


@pytest.fixture
def answered(people):
    """Oct 27 – Nov 23 in Paris (its DST change, Oct 25, just before), one change on Nov 10.

    In-app chat, every day: 3 answers (2000 ms and $0.01 each before the change, 1000 ms and
    $0.02 after) and, before the change, 1 failed reply. Events API, every day: 1 answer
    (5000 ms, $0.10) and, after the change, 1 failed reply."""
    assistant = people["assistant"]
    services.update_configuration(
        assistant=assistant, changed_by=people["creator"], time_zone="Europe/Paris"
    )
    with time_machine.travel(CHANGE_AT, tick=False):
        services.update_configuration(
            assistant=assistant, changed_by=people["creator"], model="gpt-small"
        )
    app = services.start_conversation(assistant=assistant, user=UserFactory())
    outside = services.ensure_participants(assistant=assistant, external_ids=["u-1"])
    api = services.ensure_conversations(
        assistant=assistant,
        conversations=[NewConversation("c-1", outside["u-1"], datetime(2026, 10, 1, tzinfo=UTC))],
    )["c-1"][0]
    messages, failures = [], []
    for offset in range(28):
        noon = datetime(2026, 10, 27, 11, tzinfo=UTC) + timedelta(days=offset)
        after = noon > CHANGE_AT
        for minute in range(3):
            messages.append(
                NewMessage(
                    app.pk, "assistant", "An answer.", noon + timedelta(minutes=minute),
                    latency_ms=1000 if after else 2000,
                    cost_usd=Decimal("0.02") if after else Decimal("0.01"),
                )
            )  # fmt: skip
        messages.append(
            NewMessage(
                api, "assistant", "An answer.", noon, external_id=f"m-{offset}",
                latency_ms=5000, cost_usd=Decimal("0.1"),
            )
        )  # fmt: skip
        failures.append(NewFailure(api if after else app.pk, noon + timedelta(minutes=5)))
    # Out of order: the later half first.
    services.record_messages(assistant=assistant, messages=messages[::-1])
    services.record_failures(assistant=assistant, failures=failures[::-1])
    return assistant


def _findings(client, assistant, query="") -> str:
    response = client.get(f"/assistants/{assistant.pk}/insights/changes/3/{query}")
    assert response.status_code == 200
    return response.text


@time_machine.travel(NOW, tick=False)
def test_the_page_compares_the_answers_of_every_source(answered, people, client_as):
    text = _findings(client_as(people["creator"]), answered)
    # 14 of 70 replies failed before (Oct 27 – Nov 9), 13 of 65 after (Nov 11 – 23).
    assert "No clear change in failure rate: 20.0 % → 20.0 % failed" in text
    assert "70 and 65 replies." in text
    # Medians: 42 of 56 timed answers at 2000 ms before, 39 of 52 at 1000 ms after.
    assert f"Answers came faster after this change: {_ms(2000)} → {_ms(1000)}" in text
    assert "56 and 52 timed answers." in text
    # $0.13 every day before, $0.16 after: known exactly.
    assert (
        "Higher cost a day after this change (worse): $0.1300 → $0.1600 (+$0.0300, "
        "95 % interval +$0.0300 to +$0.0300), 14 and 13 days." in text
    )
    assert 'data-testid="usage-all-sources"' not in text


@time_machine.travel(NOW, tick=False)
def test_the_page_reads_the_answers_of_one_source(answered, people, client_as):
    client = client_as(people["creator"])
    app = _findings(client, answered, "?source=app")
    assert (
        "Fewer replies failed after this change: 25.0 % → 0.0 % failed" in app
        and "56 and 39 replies." in app
    )
    assert "$0.0300 → $0.0600 (+$0.0300" in app
    assert "42 and 39 timed answers." in app
    assert 'href="?window=7&amp;source=app"' in app
    assert 'data-testid="usage-all-sources"' in app
    api = _findings(client, answered, "?source=api&window=14")
    assert (
        "Not enough data to judge failure rate yet (14 and 26 replies): needs at least 30 "
        "replies on each side: 16 more replies before it; 4 more replies after it." in api
    )
    bad = _findings(client, answered, "?source=web&window=7")
    assert "The source must be all, app or api; showing all sources." in bad
    assert "Nov 3 – Nov 9, 2026 (7 days)" in bad


@time_machine.travel(NOW, tick=False)
def test_each_version_has_its_answers_failure_rate_latency_and_cost(answered):
    versions = version_history(answered)
    timeframe = DateRange(date(2026, 10, 26), date(2026, 11, 24))
    records = version_records(answered, versions=versions, date_range=timeframe, source="all")
    # v3 from Nov 10 10:00 (Paris); v1 with v2 (the time zone only) before it.
    assert [r.numbers for r in records] == [[3], [1, 2]]
    v3, v1 = records
    # Nov 10 (the change's day, after it) to Nov 23: 42 app and 14 API answers, 14 failed;
    # $0.84 + $1.40 = $2.24 over 56 answers.
    assert (v3.answers, v3.failed_replies, v3.cost_usd) == (56, 14, Decimal("2.24"))
    assert (v3.failure_rate_text, v3.cost_per_answer_text) == ("20.0 %", "$0.0400")
    assert v3.median_latency_text == _ms(1000)
    # Oct 27 – Nov 9: 42 app and 14 API answers, 14 failed; $0.42 + $1.40 = $1.82 over 56.
    assert (v1.answers, v1.failed_replies, v1.cost_usd) == (56, 14, Decimal("1.82"))
    assert (v1.failure_rate_text, v1.cost_per_answer_text) == ("20.0 %", "$0.0325")
    assert v1.median_latency_text == _ms(2000)
    (api_v3, api_v1) = version_records(
        answered, versions=versions, date_range=timeframe, source="api"
    )
    assert (api_v3.answers, api_v3.failure_rate_text, api_v3.median_latency_text) == (
        14,
        "50.0 %",
        _ms(5000),
    )
    assert (api_v1.answers, api_v1.failure_rate_text, api_v1.cost_per_answer_text) == (
        14,
        "0.0 %",
        "$0.1000",
    )


@time_machine.travel(NOW, tick=False)
def test_the_changes_section_shows_every_versions_record(answered, people, client_as):
    text = client_as(people["creator"]).get(f"/assistants/{answered.pk}/insights/").text
    assert "<th>Failure rate</th><th>Median latency</th><th>Cost per answer</th>" in text
    assert "<td>$0.0400</td>" in text and "<td>$0.0325</td>" in text
