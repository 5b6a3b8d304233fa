"""No query string makes a GET view answer 5xx: bad input is a form error or a 4xx.

Every URL pattern of the project (Django admin aside: its own code) is requested with query
strings Hypothesis makes up: the parameters the views read, with hostile values (dates at the
ends of the calendar, Unicode digits, huge numbers), and arbitrary names and bytes.
"""

import re
from datetime import UTC, date, datetime
from urllib.parse import quote, urlencode

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import given, settings
from hypothesis import strategies as st

from assistants import services
from feedback.models import Rating
from insights.bench.resilience import PAGE_PARAMETERS
from tests.factories import AssistantFactory, UserFactory, chat_turn, rate
from tests.properties import ON_THE_DATABASE

hostile_values = st.one_of(
    st.text(max_size=30),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)).map(date.isoformat),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.tuples(
        st.integers(min_value=0, max_value=10**25), st.integers(min_value=-5, max_value=10**25)
    ).map(lambda pair: f"{pair[0]}-{pair[1]}"),
    st.sampled_from(["²", "1-²", "٣-٣", "9999-12-31", "0001-01-01", "0", "-1", "NaN", "\x00"]),
)
parameters = st.lists(
    st.tuples(st.one_of(st.sampled_from(PAGE_PARAMETERS), st.text(max_size=10)), hostile_values),
    max_size=6,
)


def _get_patterns(resolver=None, prefix=""):
    """(route, pattern) for every URL pattern outside the admin."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            yield from _get_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            yield route


@pytest.fixture
def urls(db):
    """Every route with its path arguments filled with objects that exist."""
    creator = UserFactory(username="creator")
    member = UserFactory(username="member")
    assistant = AssistantFactory(creator=creator, users=[member])
    answer = chat_turn(assistant, member, datetime(2026, 11, 20, 10, tzinfo=UTC))
    rating_id = rate(
        assistant,
        answer,
        "negative",
        datetime(2026, 11, 20, 11, tzinfo=UTC),
        comment="Too short",
        share_chat=True,
    )
    services.create_api_key(assistant=assistant, name="Widget", created_by=creator)
    rating = Rating.objects.get(pk=rating_id)
    assert rating.share_token is not None
    arguments = {
        "<int:assistant_id>": assistant.pk,
        "<int:conversation_id>": answer.conversation_id,
        "<int:message_id>": answer.pk,
        "<int:user_id>": member.pk,
        "<int:key_id>": 1,
        "<uuid:token>": rating.share_token,  # shared above, so the page exists
        # Django's password reset link; a made-up one is refused as expired.
        "<uidb64>": "MQ",
        "<token>": "set-password",
    }
    paths = set()
    for route in _get_patterns():
        path = "/" + route.lstrip("^").rstrip("$")
        for placeholder, value in arguments.items():
            path = path.replace(placeholder, str(value))
        # Arguments of routes added later: 1 for a number (the first version, say), a
        # made-up value otherwise; such a page may well be a 404, never a 5xx.
        path = re.sub(r"<int:\w+>", "1", path)
        path = re.sub(r"<uuid:\w+>", "00000000-0000-0000-0000-000000000000", path)
        path = re.sub(r"<(?:str|slug|path):\w+>|<\w+>", "x", path)
        paths.add(path)
    return {"creator": creator, "paths": sorted(paths)}


def _status_of(client, url: str) -> int:
    response = client.get(url)
    if response.streaming:
        # A CSV that fails half way is a broken download, so read it to the end.
        b"".join(response.streaming_content)
    return response.status_code


@settings(ON_THE_DATABASE, max_examples=150)
@given(data=st.data())
def test_no_query_string_is_a_server_error(client, urls, data):
    client.force_login(urls["creator"])
    path = data.draw(st.sampled_from(urls["paths"]))
    pairs = data.draw(parameters)
    url = f"{path}?{urlencode(pairs)}"
    assert _status_of(client, url) < 500, url


@settings(ON_THE_DATABASE, max_examples=60)
@given(data=st.data())
def test_no_raw_query_bytes_are_a_server_error(client, urls, data):
    client.force_login(urls["creator"])
    path = data.draw(st.sampled_from(urls["paths"]))
    raw = data.draw(st.text(max_size=60))
    url = f"{path}?{quote(raw, safe='=&%+;')}"
    assert _status_of(client, url) < 500, url


@pytest.mark.parametrize(
    "query",
    [
        "start=9999-12-30&end=9999-12-31",
        "start=0001-01-01&end=0001-01-02",
        "positive_after=1-%C2%B2",
        "negative_after=1-99999999999999999999999999",
        # Past PostgreSQL's integer: found by `measure_resilience` as a CSV cut mid-stream.
        "version=1111111111111111111111111111111111111111",
    ],
)
def test_the_probes_edge_values_are_not_server_errors(client, urls, query):
    client.force_login(urls["creator"])
    for path in urls["paths"]:
        if "/insights/" in path:
            assert _status_of(client, f"{path}?{query}") < 500, f"{path}?{query}"


def test_a_date_out_of_bounds_reads_well(client, urls):
    client.force_login(urls["creator"])
    analytics = next(p for p in urls["paths"] if p.endswith("/insights/"))
    response = client.get(f"{analytics}?start=9999-12-30&end=9999-12-31")
    assert "Choose a date between 1 January 2000 and 31 December 2999." in response.content.decode()
    export = client.get(f"{analytics}analytics.csv?start=0001-01-01&end=0001-01-02")
    assert export.status_code == 400
    assert "start: Choose a date between 1 January 2000" in export.content.decode()


@pytest.mark.parametrize(
    ("export", "query"),
    [
        ("analytics.csv", "start=2026-02-05&end=2026-02-01"),
        ("analytics.csv", "start=2026-13-01&end=2026-14-01"),
        ("analytics.csv", "end=2026-01-01"),
        ("people.csv", "start=2026-02-05&end=2026-02-01"),
        ("feedback.csv", "start=2026-11-05&end=2026-11-01"),
        ("feedback.csv", "start=nope&end=2026-11-01"),
        ("feedback.csv", "start=2026-11-01"),
        ("feedback.csv", "rating=meh"),
    ],
)
def test_an_export_refuses_a_bad_query_with_a_400_that_says_why(people, client_as, export, query):
    response = client_as(people["creator"]).get(
        f"/assistants/{people['assistant'].pk}/insights/{export}?{query}"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().strip()
