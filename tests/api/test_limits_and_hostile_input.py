"""Limits (size, count, rate) and input meant to break the endpoint: every answer is a 4xx
with a JSON error (or a per-event error), never a 500."""

import gzip
import json

import pytest
import time_machine

from assistants import services
from assistants.models import Message
from insights import api as events_api
from tests.api.conftest import EVENTS_URL, message

MIB = 1024 * 1024


def _assert_json_error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json()["detail"]
    assert not Message.objects.exists()


def test_a_body_over_1_mib_is_413_before_it_is_parsed(post, monkeypatch):
    def must_not_parse(raw):
        raise AssertionError("parsed")

    monkeypatch.setattr(events_api, "parse_body", must_not_parse)
    padding = "x" * MIB
    _assert_json_error(post(body=f'{{"events": [], "p": "{padding}"}}'), 413)


def test_a_declared_length_over_1_mib_is_413_before_anything_is_read(post):
    # The test client's body refuses to be read past its 30 bytes: reading it would fail.
    response = post(body=json.dumps({"events": [message("m1")]})[:30], CONTENT_LENGTH=str(2 * MIB))
    _assert_json_error(response, 413)


def test_the_size_actually_read_is_checked_too():
    assert events_api.parse_body(b" " * (MIB + 1)) == (413, "The body is larger than 1 MiB.")
    assert events_api.parse_body(b'{"events": [1]}') == [1]


def test_a_body_of_exactly_1_mib_is_read(post):
    body = json.dumps({"events": [message("m1")]})
    body = body[:-1] + " " * (MIB - len(body)) + "}"
    assert len(body) == MIB
    assert post(body=body).json()["accepted"] == 1


def test_more_than_1000_events_is_413(post):
    events = [message(f"m{number}", content="") for number in range(1001)]
    _assert_json_error(post(events), 413)
    assert post(events[:1000]).json()["accepted"] == 1000


def test_past_the_rate_limit_it_is_429_with_retry_after(post, assistant):
    _, key = services.create_api_key(
        assistant=assistant, name="Slow", created_by=None, requests_per_minute=2
    )
    with time_machine.travel("2026-11-24T12:00:10Z", tick=False):
        assert post([message("m1")], key=key).status_code == 200
        assert post([message("m2")], key=key).status_code == 200
        response = post([message("m3")], key=key)
    assert response.status_code == 429
    assert response["Retry-After"] == "50"
    assert "retry" in response.json()["detail"]
    assert Message.objects.count() == 2
    with time_machine.travel("2026-11-24T12:01:00Z", tick=False):
        assert post([message("m3")], key=key).status_code == 200


def test_the_rate_limit_is_per_key(post, assistant, api_key):
    _, slow = services.create_api_key(
        assistant=assistant, name="Slow", created_by=None, requests_per_minute=1
    )
    with time_machine.travel("2026-11-24T12:00:10Z", tick=False):
        assert post([message("m1")], key=slow).status_code == 200
        assert post([message("m2")], key=slow).status_code == 429
        assert post([message("m2")], key=api_key).status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"", 400),
        (b"   \n", 400),
        (b"{", 400),
        (b"null", 400),
        (b"[]", 400),
        (b'"events"', 400),
        (b'{"events": {}}', 400),
        (b'{"events": []}', 400),
        (b'{"events": "m1"}', 400),
        (b'{"events": [], "extra": 1}', 400),
        (b'{"events": [NaN]}', 400),
        (b'{"events": [Infinity]}', 400),
        (b'{"events": [' + b"1" * 5000 + b"]}", 400),
        (b'{"events": ["\xff\xfe"]}', 400),
        (b'\xef\xbb\xbf{"events": [1]}', 400),
        (b'{"events": ["\x00"]}', 400),
        (b"[" * 100_000 + b"]" * 100_000, 400),
        (
            b'{"events": [{"type": "message", "content": ' + b"[" * 50_000 + b"]" * 50_000 + b"}]}",
            400,
        ),
        ('{"events": ["é"]}'.encode("utf-16"), 400),
    ],
)
def test_a_malformed_body_is_400(post, body, status):
    _assert_json_error(post(body=body), status)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/jsonx",
    ],
)
def test_a_wrong_content_type_is_415(post, content_type):
    body = json.dumps({"events": [message("m1")]})
    _assert_json_error(post(body=body, content_type=content_type), 415)


def test_json_with_a_utf8_charset_is_fine(post):
    body = json.dumps({"events": [message("m1")]})
    assert post(body=body, content_type="application/json; charset=UTF-8").status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br", "GZIP"])
def test_a_compressed_body_is_415_and_never_inflated(post, encoding):
    bomb = gzip.compress(b" " * (50 * MIB))  # 50 KiB on the wire, 50 MiB inflated
    assert len(bomb) < 100 * 1024
    _assert_json_error(post(body=bomb, HTTP_CONTENT_ENCODING=encoding), 415)


def test_identity_content_encoding_is_fine(post):
    body = json.dumps({"events": [message("m1")]})
    assert post(body=body, HTTP_CONTENT_ENCODING="identity").status_code == 200


def test_a_chunked_body_without_length_is_400_with_a_reason(post):
    response = post(body=b"", HTTP_TRANSFER_ENCODING="chunked", CONTENT_LENGTH="")
    _assert_json_error(response, 400)
    assert "Content-Length" in response.json()["detail"]


def test_only_post_is_answered(client, api_key, db):
    response = client.get(EVENTS_URL, HTTP_AUTHORIZATION=f"Bearer {api_key}")
    assert response.status_code == 405


@pytest.mark.parametrize(
    "event",
    [
        {**message("m1"), "id": 1},
        {**message("m1"), "id": ""},
        {**message("m1"), "id": "x" * 256},
        {**message("m1"), "id": None},
        {**message("m1"), "content": 42},
        {**message("m1"), "content": ["a"]},
        {**message("m1"), "content": {"text": "a"}},
        {**message("m1"), "role": ["user"]},
        {**message("m1"), "timestamp": 1763632800},
        {**message("m1"), "timestamp": "2026-02-30T10:00:00Z"},
        {**message("m1"), "timestamp": "2026-11-20T10:00:60Z"},
        {**message("m1"), "timestamp": "2026-11-20T10:00:00+25:00"},
        {**message("m1"), "user": True},
        {**message("m1"), "conversation": 3.5},
        {**message("m1"), "extra": "field"},
        {key: value for key, value in message("m1").items() if key != "type"},
        {**message("m1"), "type": "click"},
        {**message("m1"), "type": None},
        {**message("m1"), "content": "nul \u0000 inside"},
        {**message("m1"), "content": "lone \ud800 surrogate"},
        {**message("m1"), "user": "\udfff"},
        {**message("m1"), "conversation": "c\u0000"},
        {**message("m1"), "id": "m\ud83d"},
        [message("m1")],
        "m1",
        None,
        17,
    ],
)
def test_a_bad_event_gets_a_per_event_error(post, event):
    body = json.dumps({"events": [event, message("ok")]})
    response = post(body=body)
    assert response.status_code == 200
    result = response.json()
    assert result["accepted"] == 1
    assert len(result["errors"]) == 1
    error = result["errors"][0]
    assert error["index"] == 0
    assert error["error"]
    # The id is echoed only when it is a plain string; never a broken one.
    sent_id = event.get("id") if isinstance(event, dict) else None
    if error["id"] is not None:
        assert error["id"] == sent_id
        error["id"].encode("utf-8")
    assert list(Message.objects.values_list("external_id", flat=True)) == ["ok"]


def test_a_raw_lone_surrogate_escape_in_the_body_is_refused_per_event(post):
    body = '{"events": [' + json.dumps(message("m1"))[:-1] + ', "x": "\\ud800"}]}'
    result = post(body=body).json()
    assert result["accepted"] == 0 and result["errors"][0]["index"] == 0
