"""The simulated traffic of the events API benchmark (`manage.py bench_ingest`).

Shaped like real use: each person of a front end chats about ten messages a day, in one or
two conversations, and the days follow each other, so batches mix new and ongoing
conversations as a busy front end's would.
"""

import json
import random
from datetime import UTC, datetime

# The simulated traffic starts on a Monday long enough ago that a minute of it stays in the
# past (the API refuses events from the future).
FIRST_DAY = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
DAY = 86_400
# The answers' models; one of them is costed by its sender, the others by their price.
MODELS = ("gpt-4o", "gpt-4o-mini", "claude-haiku")
SENDER_COSTED = "claude-haiku"
SENTENCES = [
    "Can you help me plan a weekend in Lisbon?",
    "Sure. Day one: Alfama and the castle in the morning, Belém in the afternoon.",
    "What does the refund policy say about damaged parcels?",
    "Damaged parcels are refunded in full within 14 days once you send a photo.",
    "Summarise this paragraph in two sentences, please.",
    "Here is a shorter version that keeps the two main points and drops the example.",
    "Why does my test fail only on the CI server?",
    "Most likely the CI machine runs in UTC while your laptop uses your local time zone; "
    "the test builds a date from the local clock.",
    "Thanks!",
    "You are welcome. Anything else?",
    "Write a polite reminder about the unpaid invoice from March.",
    "Hello, a quick reminder that invoice 2024-031 from March is still open. Could you "
    "let us know when we can expect the payment? Thank you.",
]


def traffic(client: int, people: int, seed: int):
    """Endless (id, event JSON) of one front end's people, day after day, in time order.

    Each person has one conversation of ten messages on half of the days, and two of six and
    four on the others: ten messages a day on average, alternating person and assistant.
    """
    rng = random.Random(seed * 1000 + client)
    contents = [json.dumps(sentence) for sentence in SENTENCES]
    sequence = 0
    day = 0
    while True:
        start = FIRST_DAY + day * DAY
        day_events = []
        for person in range(people):
            user = f"c{client}-u{person}"
            for length in (10,) if rng.random() < 0.5 else (6, 4):
                conversation = f"c{client}-d{day}-p{person}-{length}"
                moment = start + rng.uniform(0, DAY - 3600)
                for turn in range(length):
                    moment += rng.uniform(2, 240)
                    day_events.append((moment, conversation, user, turn))
        day_events.sort()
        for moment, conversation, user, turn in day_events:
            sequence += 1
            event_id = f"c{client}-m{sequence}"
            role = "user" if turn % 2 == 0 else "assistant"
            content = contents[(2 * rng.randrange(len(SENTENCES) // 2)) + (turn % 2)]
            stamp = datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds")
            # Every answer says how it was made (SPEC §7).
            answer = ""
            if role == "assistant":
                model = MODELS[sequence % len(MODELS)]
                answer = (
                    f',"model":"{model}","latency_ms":{rng.randint(300, 9000)},'
                    f'"input_tokens":{rng.randint(80, 4000)},'
                    f'"output_tokens":{rng.randint(20, 800)}'
                )
                if model == SENDER_COSTED:
                    answer += f',"cost_usd":{rng.randint(1, 9000) / 1_000_000}'
            yield (
                event_id,
                f'{{"type":"message","id":"{event_id}","conversation":"{conversation}",'
                f'"user":"{user}","role":"{role}","timestamp":"{stamp}","content":{content}'
                f"{answer}}}",
            )
        day += 1


def batch_body(events: list[tuple[str, str]]) -> bytes:
    """The request body of a batch of (id, event JSON)."""
    return ('{"events":[' + ",".join(event for _, event in events) + "]}").encode()
