"""The reply backends, the OpenAI-compatible one against a small fake server over real HTTP."""

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistants.backends import ChatTurn, ReplyError, backend_for
from assistants.backends.offline import OfflineBackend
from assistants.backends.openai_compatible import OpenAICompatibleBackend
from assistants.lib.markup import _INLINE_MARKS, render_markdown
from tests.assistants.model_server import FakeModelServer

HISTORY = [ChatTurn("user", "Hi"), ChatTurn("assistant", "Hello!"), ChatTurn("user", "Ping?")]


def test_the_model_setting_chooses_the_backend():
    assert isinstance(backend_for("offline"), OfflineBackend)
    assert isinstance(backend_for(""), OfflineBackend)
    backend = backend_for("gpt-4o-mini")
    assert isinstance(backend, OpenAICompatibleBackend) and backend.model == "gpt-4o-mini"


def test_the_offline_backend_is_deterministic_and_says_what_it_is():
    backend = OfflineBackend()
    first = backend.reply(instructions="Answer briefly. Be kind.", history=HISTORY)
    assert first == backend.reply(instructions="Answer briefly. Be kind.", history=HISTORY)
    assert "offline backend" in first.content
    assert "> Ping?" in first.content
    assert "Answer briefly." in first.content
    other = backend.reply(instructions="Answer briefly.", history=[ChatTurn("user", "x")])
    assert first.content != other.content


def test_the_offline_backend_counts_words_as_tokens():
    reply = OfflineBackend().reply(instructions="Answer briefly. Be kind.", history=HISTORY)
    # Instructions (4 words) + "Hi" + "Hello!" + "Ping?".
    assert reply.model == "offline"
    assert reply.input_tokens == 7
    assert reply.output_tokens == len(reply.content.split())


def test_an_openai_compatible_server_answers(model_server):
    answer = OpenAICompatibleBackend(model="good-model").reply(
        instructions="Be brief.", history=HISTORY
    )
    assert answer.content == "You said: **Ping?**"
    # The tokens come from the server's `usage`; the model is the assistant's setting.
    assert (answer.model, answer.input_tokens, answer.output_tokens) == ("good-model", 31, 7)
    (request,) = FakeModelServer.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer test-key"
    assert request["body"]["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "Ping?"},
    ]


def test_a_server_without_usage_gives_no_tokens(model_server):
    answer = OpenAICompatibleBackend(model="no-usage-model").reply(instructions="", history=HISTORY)
    assert answer.content == "You said: **Ping?**"
    assert (answer.input_tokens, answer.output_tokens) == (None, None)


def test_an_empty_answer_is_an_error(model_server):
    with pytest.raises(ReplyError, match="empty answer"):
        OpenAICompatibleBackend(model="empty-model").reply(instructions="", history=HISTORY)


def test_a_slow_server_is_a_clear_error_after_the_timeout(model_server):
    started = time.monotonic()
    with pytest.raises(ReplyError, match="took too long"):
        OpenAICompatibleBackend(model="slow-model").reply(instructions="", history=HISTORY)
    # No automatic retries: the person sees the error once the timeout has passed.
    assert time.monotonic() - started < 1.4
    assert len(FakeModelServer.requests) == 1


def test_a_failing_server_is_a_clear_error(model_server):
    with pytest.raises(ReplyError, match=r"refused the request \(500\)"):
        OpenAICompatibleBackend(model="broken-model").reply(instructions="", history=HISTORY)


def test_an_unreachable_server_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    with pytest.raises(ReplyError, match="could not be reached"):
        OpenAICompatibleBackend(model="any").reply(instructions="", history=HISTORY)


def test_without_a_key_for_openai_itself_the_error_says_so(monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ReplyError, match="OPENAI_API_KEY"):
        OpenAICompatibleBackend(model="gpt-4o-mini").reply(instructions="", history=HISTORY)


@pytest.mark.parametrize(
    "markdown_text, kept, removed",
    [
        ("**bold** and `code`", ["<strong>bold</strong>", "<code>code</code>"], []),
        ("[x](javascript:alert(1))", ["<a"], ["javascript:"]),
        (
            '<a href="/x" hx-post="/evil" onclick="steal()">x</a>',
            ['href="/x"'],
            ["hx-post", "onclick"],
        ),
        ("<script>alert(1)</script>", [], ["<script", "alert(1)"]),
        ('<img src=x onerror="alert(1)">', [], ["onerror", "<img"]),
        ('<p hx-get="/x" hx-trigger="load" style="x">p</p>', ["<p>p</p>"], ["hx-", "style"]),
    ],
)
def test_markdown_is_rendered_then_cleaned_by_an_allow_list(markdown_text, kept, removed):
    html = render_markdown(markdown_text)
    for fragment in kept:
        assert fragment in html
    for fragment in removed:
        assert fragment not in html


def test_an_excerpt_keeps_the_words_and_drops_the_markup():
    from assistants.lib.markup import markdown_to_text

    text = (
        "# Steps\nOpen **Settings** → [Account](https://x.test) and `reset`.\n> Note\n- snake_case"
    )
    assert markdown_to_text(text) == "Steps Open Settings → Account and reset. Note snake_case"


@given(st.text(alphabet="ab _*`~|1\n#>-[]()", max_size=40))
def test_the_excerpts_inline_marks_go_exactly_as_the_plain_expression_drops_them(text):
    # The compiled expression starts with a lookahead that only skips positions where no
    # alternative can match; the result must equal the expression without it.
    plain = re.compile(r"(\*+|(?<!\w)_+|_+(?!\w)|`+|~~|\|)")
    assert _INLINE_MARKS.sub("", text) == plain.sub("", text)
