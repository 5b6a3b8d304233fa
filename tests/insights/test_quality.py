"""The Quality and cost figures against hand-counted days: failed replies, a retry, an answer
without latency, a model without a price, a cost sent with the answer, day edges in New York
and its DST change (Nov 1, 2026 has 25 hours); then percentiles on random data, the section
on the page, its cards, `by` and `source`."""

import math
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from assistants import services
from assistants.answer_stats import ALPHA, LatencyHistogram, bucket_value, latency_bucket
from assistants.models import Message, ModelPrice
from assistants.services import NewConversation, NewFailure, NewMessage
from assistants.timeframe import By, DateRange
from insights.quality import format_price, quality_figures
from tests.factories import AssistantFactory, UserFactory, rate
from tests.insights.helpers import analytics_csv_rows, analytics_html

NEW_YORK = ZoneInfo("America/New_York")


def _local(*parts) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


def _answer(conversation_id, at, **fields) -> NewMessage:
    return NewMessage(conversation_id, "assistant", "An answer.", at, **fields)


@pytest.fixture
def answered(db):
    """Oct 31 – Nov 2, 2026 in New York, counted by hand in the comments."""
    assistant = AssistantFactory(time_zone="America/New_York", name="Quality")
    ModelPrice.objects.create(
        model="m-priced",
        effective_from=datetime(2026, 1, 1, tzinfo=UTC),
        input_usd_per_million=Decimal("1"),
        output_usd_per_million=Decimal("2"),
    )
    app = services.start_conversation(assistant=assistant, user=UserFactory())
    outside = services.ensure_participants(assistant=assistant, external_ids=["u-1"])
    api = services.ensure_conversations(
        assistant=assistant,
        conversations=[NewConversation("c-1", outside["u-1"], _local(2026, 11, 1, 23, 0))],
    )["c-1"][0]
    services.record_messages(
        assistant=assistant,
        messages=[
            # Oct 31, 23:30 EDT is Nov 1 in UTC: it counts on Oct 31. Cost by price:
            # (1000 × $1 + 500 × $2) / 1M = $0.002.
            _answer(
                app.pk,
                _local(2026, 10, 31, 23, 30),
                model="m-priced",
                latency_ms=1000,
                input_tokens=1000,
                output_tokens=500,
            ),
            # Nov 1, 01:30 EST, the second 01:30 of the day (fold=1): no price for its model.
            _answer(
                app.pk,
                _local(2026, 11, 1, 1, 30).replace(fold=1),
                model="m-unpriced",
                latency_ms=3000,
                input_tokens=100,
                output_tokens=100,
            ),
            # The retry that answers after the failure below: (10 + 20 × 2) / 1M = $0.00005.
            _answer(
                app.pk,
                _local(2026, 11, 1, 12, 1),
                model="m-priced",
                latency_ms=2000,
                input_tokens=10,
                output_tokens=20,
            ),
        ],
    )
    # Through the events API: no latency, no tokens, its own cost; Nov 2 in UTC.
    services.record_messages(
        assistant=assistant,
        messages=[
            _answer(
                api,
                _local(2026, 11, 1, 23, 30),
                model="m-priced",
                cost_usd=Decimal("0.5"),
                external_id="m-1",
            )
        ],
    )
    services.record_failures(
        assistant=assistant,
        failures=[
            NewFailure(app.pk, _local(2026, 10, 31, 10, 0), model="m-priced"),
            NewFailure(app.pk, _local(2026, 11, 1, 12, 0), model="m-priced"),
        ],
    )
    return assistant


def test_each_day_is_counted_by_hand(answered, client_as):
    rows = analytics_csv_rows(client_as(answered.creator), answered, "2026-10-31", "2026-11-02")
    figures = {
        row["date"]: (
            row["failed_replies"],
            row["latency_p50_ms"],
            row["latency_p95_ms"],
            row["input_tokens"],
            row["output_tokens"],
            row["cost_usd"],
        )
        for row in rows
    }
    assert figures == {
        "2026-10-31": ("1", _ms(1000), _ms(1000), "1000", "500", "0.002000"),
        # Timed answers 3000 and 2000 ms: the median is the lower one (nearest rank), p95
        # the higher; the unpriced answer leaves the cost at 0.5 + 0.00005.
        "2026-11-01": ("1", _ms(2000), _ms(3000), "110", "120", "0.500050"),
        "2026-11-02": ("0", "", "", "0", "0", "0.000000"),  # empty day
    }


def _ms(latency_ms: int) -> str:
    """What the CSV writes for a latency: its bucket's value, within 4 %."""
    value = bucket_value(latency_bucket(latency_ms))
    assert abs(value - latency_ms) <= ALPHA * latency_ms
    return str(round(value))


def test_source_filters_the_quality_columns(answered, client_as):
    client = client_as(answered.creator)
    response = client.get(
        f"/assistants/{answered.pk}/insights/analytics.csv?start=2026-10-31&end=2026-11-02"
        "&source=api"
    )
    rows = b"".join(response.streaming_content).decode().splitlines()
    assert [row.split(",")[-6:] for row in rows[1:]] == [
        ["0", "", "", "0", "0", "0.000000"],
        ["0", "", "", "0", "0", "0.500000"],
        ["0", "", "", "0", "0", "0.000000"],
    ]


def test_the_period_its_models_and_a_week_bucket(answered):
    quality = quality_figures(answered, DateRange(_day(10, 26), _day(11, 8)), by=By.WEEK)
    # Monday Oct 26 – Sunday Nov 1, then Nov 2 – 8.
    assert [(b.start, b.end) for b in quality.buckets] == [
        (_day(10, 26), _day(11, 1)),
        (_day(11, 2), _day(11, 8)),
    ]
    week = quality.buckets[0]
    assert (week.answers, week.failed_replies, week.unpriced_answers) == (4, 2, 1)
    assert week.cost_usd == Decimal("0.50205")
    assert week.latency_p50_ms == bucket_value(latency_bucket(2000))
    assert quality.period.failure_rate == pytest.approx(100 * 2 / 6)
    assert quality.unpriced_models == ["m-unpriced"]
    by_model = {m.model: m for m in quality.models}
    priced = by_model["m-priced"]
    assert (priced.figures.answers, priced.figures.failed_replies) == (3, 2)
    assert priced.figures.cost_usd == Decimal("0.50205")
    assert priced.figures.cost_per_answer == Decimal("0.50205") / 3
    assert [(p.input_usd_per_million, p.output_usd_per_million) for p in priced.prices] == [
        (Decimal("1"), Decimal("2"))
    ]
    assert by_model["m-unpriced"].prices == []
    assert quality.previous.attempts == 0


def test_a_models_figures_leave_out_the_previous_period(answered):
    # Nov 1 – 2; the previous period, Oct 30 – 31, holds m-priced's 1000 ms answer.
    quality = quality_figures(answered, DateRange(_day(11, 1), _day(11, 2)), by=By.DAY)
    by_model = {m.model: m.figures for m in quality.models}
    # Nov 1's retry (2000 ms) and the API answer without a latency.
    assert (by_model["m-priced"].answers, by_model["m-priced"].latency_p50_ms) == (
        2,
        bucket_value(latency_bucket(2000)),
    )
    assert by_model["m-priced"].latency_p95_ms == bucket_value(latency_bucket(2000))
    assert quality.previous.latency_p50_ms == bucket_value(latency_bucket(1000))
    # Nov 2 – 3 has no answer: the models of its previous period, Oct 31 – Nov 1, are not
    # in its table.
    later = quality_figures(answered, DateRange(_day(11, 2), _day(11, 3)), by=By.DAY)
    assert later.previous.answers == 4
    assert later.models == []


def test_satisfaction_per_model_counts_by_the_rated_answers_model_and_day(answered, client_as):
    # m-priced's answers: Oct 31 23:30 rated up then changed to down, Nov 1 12:01 rated up;
    # m-unpriced's Nov 1 answer rated up. All rated on Nov 3, outside the timeframe: a rating
    # counts on its answer's day.
    answers = {
        m.created_at: m for m in Message.objects.filter(assistant=answered, role="assistant")
    }
    later = _local(2026, 11, 3, 9, 0)
    first, retry = answers[_local(2026, 10, 31, 23, 30)], answers[_local(2026, 11, 1, 12, 1)]
    unpriced = Message.objects.get(assistant=answered, model="m-unpriced")
    rate(answered, first, "positive", later)
    rate(answered, first, "negative", later + timedelta(minutes=1))
    rate(answered, retry, "positive", later)
    rate(answered, unpriced, "positive", later)
    quality = quality_figures(answered, DateRange(_day(10, 31), _day(11, 2)), by=By.DAY)
    by_model = {m.model: (m.positive, m.negative, m.satisfaction) for m in quality.models}
    assert by_model == {"m-priced": (1, 1, 50.0), "m-unpriced": (1, 0, 100.0)}
    # Nov 1 – 2 only: the Oct 31 answer's rating is left out.
    quality = quality_figures(answered, DateRange(_day(11, 1), _day(11, 2)), by=By.DAY)
    assert {m.model: m.ratings for m in quality.models} == {"m-priced": 1, "m-unpriced": 1}
    html = (
        client_as(answered.creator)
        .get(f"/assistants/{answered.pk}/insights/?start=2026-10-31&end=2026-11-02")
        .text
    )
    assert '50 % <span class="muted">(2 ratings)</span>' in html


def test_histograms_add_whatever_their_first_buckets():
    merged = LatencyHistogram()
    merged.add(10, [1, 0, 2])  # buckets 10 and 12
    merged.add(None, None)  # a row without latency
    merged.add(8, [3])  # before the first
    merged.add(11, [1, 1, 0, 4])  # overlapping and beyond the last
    assert (merged.first_bucket, merged.counts) == (8, [3, 0, 1, 1, 3, 0, 4])
    assert merged.total == 12
    # Nearest rank: the 6th of 12 is in bucket 12, the 12th in bucket 14.
    assert merged.percentile(0.5) == bucket_value(12)
    assert merged.percentile(0.95) == bucket_value(14)
    assert LatencyHistogram().percentile(0.5) is None


def _day(month, day):
    return datetime(2026, month, day).date()


def test_the_section_and_its_cards_on_the_page(answered, client_as):
    html = analytics_html(client_as(answered.creator), answered, "2026-10-31", "2026-11-02")
    assert 'data-testid="quality-section"' in html
    assert 'data-testid="card-failure-rate"' in html and "33.3 %" in html
    assert 'data-testid="card-median-latency"' in html
    assert 'data-testid="card-cost"' in html and "1 answer without a price" in html
    assert 'data-testid="unpriced-models"' in html and "<strong>m-unpriced</strong>" in html
    assert "$1.00 / $2.00 from Jan 1, 2026" in html  # the price its answers were costed with
    for chart in ("failed-replies", "latency", "tokens", "cost"):
        assert f'id="chart-{chart}-data"' in html


@pytest.mark.parametrize(
    ("usd_per_million", "shown"),
    [
        ("0", "$0.00"),
        ("2.5", "$2.50"),
        ("10", "$10.00"),
        ("0.075", "$0.075"),
        ("0.000001", "$0.000001"),
        ("1250.125", "$1,250.125"),
    ],
)
def test_prices_keep_two_decimals_and_every_digit_they_have(usd_per_million, shown):
    assert format_price(Decimal(usd_per_million)) == shown


def test_cards_compare_with_the_previous_period(answered, client_as):
    # Nov 1 – 2 against Oct 30 – 31: failure rate 1 of 4 (25 %) against 1 of 2 (50 %).
    html = analytics_html(client_as(answered.creator), answered, "2026-11-01", "2026-11-02")
    assert "25.0 %" in html
    assert "−25 points vs the previous 2 days" in html


def test_a_timeframe_without_answers_says_so(answered, client_as):
    html = analytics_html(client_as(answered.creator), answered, "2026-12-01", "2026-12-07")
    assert "No answers and no failed replies in this timeframe." in html


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_percentiles_are_within_the_bound_of_the_exact_ones(db, seed):
    rng = random.Random(seed)
    assistant = AssistantFactory(time_zone="Europe/Paris")
    conversation = services.start_conversation(assistant=assistant, user=UserFactory())
    start = datetime(2026, 3, 1, tzinfo=UTC)
    latencies = [
        round(rng.lognormvariate(math.log(rng.choice([300, 2500, 9000])), 0.8))
        for _ in range(rng.randint(50, 400))
    ]
    services.record_messages(
        assistant=assistant,
        messages=[
            _answer(conversation.pk, start + timedelta(hours=rng.randrange(24 * 20)), latency_ms=ms)
            for ms in latencies
        ],
    )
    quality = quality_figures(assistant, DateRange(_day(2, 20), _day(3, 31)), by=By.WEEK)
    ordered = sorted(latencies)
    for quantile, got in (
        (0.5, quality.period.latency_p50_ms),
        (0.95, quality.period.latency_p95_ms),
    ):
        exact = ordered[max(1, math.ceil(quantile * len(ordered))) - 1]
        assert abs(got - exact) <= ALPHA * exact, (quantile, got, exact)
        assert abs(got - exact) <= 0.10 * exact  # SPEC §3's bound
