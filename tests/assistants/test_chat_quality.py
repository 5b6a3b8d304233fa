"""What the in-app chat records about each answer (model, latency, tokens) and each attempt
that got none (one failed reply per attempt), against a fake OpenAI-compatible server."""

from datetime import timedelta

from assistants.backends.offline import count_tokens
from assistants.models import DailyAnswerStats, FailedReply, Message
from tests.assistants.conftest import HTMX, use_model


def test_an_answer_records_its_model_latency_and_the_servers_usage(people, ask):
    client, conversation, reply_url = ask("good-model")
    client.post(reply_url, headers=HTMX)
    question, answer = conversation.messages.order_by("created_at")
    assert (answer.model, answer.input_tokens, answer.output_tokens) == ("good-model", 31, 7)
    # From the question's stored time to the answer's, in whole milliseconds.
    assert answer.latency_ms == (answer.created_at - question.created_at) // timedelta(
        milliseconds=1
    )
    assert question.model is question.latency_ms is question.input_tokens is None
    stats = DailyAnswerStats.objects.get(assistant=people["assistant"])
    assert (stats.source, stats.model, stats.answers, stats.answers_with_latency) == (
        "app",
        "good-model",
        1,
        1,
    )
    assert (stats.input_tokens, stats.output_tokens, stats.failed_replies) == (31, 7, 0)
    assert stats.unpriced_answers == 1  # no price for "good-model"


def test_each_failed_attempt_is_one_failed_reply_and_a_retry_that_answers_is_an_answer(people, ask):
    assistant = people["assistant"]
    client, conversation, reply_url = ask("broken-model")
    assert "refused the request" in client.post(reply_url, headers=HTMX).text
    assert "refused the request" in client.post(reply_url, headers=HTMX).text
    use_model(assistant, "empty-model")
    assert "empty answer" in client.post(reply_url, headers=HTMX).text
    assert list(FailedReply.objects.values_list("model", flat=True).order_by("id")) == [
        "broken-model",
        "broken-model",
        "empty-model",
    ]
    assert FailedReply.objects.filter(conversation=conversation).count() == 3

    use_model(assistant, "good-model")
    client.post(reply_url, headers=HTMX)
    # A click once answered is no attempt: nothing more is recorded.
    client.post(reply_url, headers=HTMX)
    assert conversation.messages.filter(role="assistant").count() == 1
    assert FailedReply.objects.count() == 3
    by_model = {
        s.model: (s.answers, s.failed_replies)
        for s in DailyAnswerStats.objects.filter(assistant=assistant)
    }
    assert by_model == {"broken-model": (0, 2), "empty-model": (0, 1), "good-model": (1, 0)}


def test_a_time_out_is_a_failed_reply(ask):
    client, _, reply_url = ask("slow-model")
    assert "took too long" in client.post(reply_url, headers=HTMX).text
    assert FailedReply.objects.get().error == "The assistant took too long to answer."


def test_the_offline_backend_counts_words_as_tokens_and_times_itself(people, ask):
    assistant = people["assistant"]
    client, conversation, reply_url = ask(None, content="Three little words")
    client.post(reply_url, headers=HTMX)
    answer = Message.objects.get(role="assistant")
    assert answer.model == "offline"
    assert answer.input_tokens == count_tokens(assistant.instructions) + 3
    assert answer.output_tokens == count_tokens(answer.content)
    assert answer.latency_ms is not None and answer.latency_ms >= 0
