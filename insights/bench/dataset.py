"""The benchmark's dataset: a year of chat events across many assistants, loaded with COPY.

Shape (the defaults): 1,000 assistants whose sizes follow a power law — the largest exactly
1,000,000 messages, 10,000,000 in all, the last ten never used. People chat in conversations
of one to five user/assistant pairs, about ten messages on a day they are active, less at
night and on weekends, more as the year goes on; five reporting time zones.

Rows are generated in Python and streamed through `COPY … FROM STDIN`, a batch of whole
assistants per transaction, while two other connections load the batches made before. Chat
participants are `Participant` rows with an `external_id` (no login); only the creators
are accounts. Conversations and participants come with their first/last message times set,
as `record_messages` keeps them; the rollup tables stay empty for the timed rebuild.

The dataset is kept: a table `bench_dataset` (outside the app's schema, in the bench
database only) records the shape of the last complete load, so the next run reuses it.
"""

import json
import queue
import random
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction

from insights.bench import Bench

TIME_ZONES = ("Europe/Paris", "America/New_York", "UTC", "Asia/Tokyo", "America/Los_Angeles")
# Weekday rhythm, Monday first; the hours of a local day.
WEEKDAY_WEIGHTS = (1.0, 1.05, 1.05, 1.0, 0.9, 0.45, 0.35)
HOUR_WEIGHTS = (1, 0.6, 0.4, 0.3, 0.3, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 5, 4, 4, 3, 3, 2, 1.5)
# A person's active days in the year, on average: sets how many participants an assistant has.
ACTIVE_DAYS_PER_PERSON = 6
MESSAGES_PER_ACTIVE_DAY = 10
# The answers' models: (name, typical latency in ms, whether the sender gives the cost; the
# others are costed from BENCH_PRICES), a conversation's model by its id.
BENCH_MODELS = (("gpt-4o", 5200, False), ("gpt-4o-mini", 1900, False), ("claude-haiku", 1400, True))
BENCH_PRICES = (("gpt-4o", "2.50", "10.00"), ("gpt-4o-mini", "0.15", "0.60"))
FAILURE_SHARE = 0.02
NO_ANSWER_FIELDS = "\t".join(["\\N"] * 5)
# Flush a batch to the database once it holds this many messages.
BATCH_MESSAGES = 400_000

MARKER_DDL = """
CREATE TABLE IF NOT EXISTS bench_dataset (
    shape jsonb NOT NULL,
    complete boolean NOT NULL DEFAULT false,
    load_seconds double precision,
    counts jsonb,
    loaded_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Shape:
    assistants: int = 1000
    messages: int = 10_000_000
    largest: int = 1_000_000
    empty_assistants: int = 10
    creators: int = 250
    days: int = 365
    seed: int = 1
    # Answers carry model, latency, tokens and cost, and about 2 % of replies fail first: a
    # dataset loaded before they did is loaded again.
    answer_details: bool = True

    def check(self) -> None:
        active = self.assistants - self.empty_assistants
        if active < 2 or self.empty_assistants < 1:
            raise ValueError("need at least two assistants with messages and one without")
        if self.messages % 2 or self.largest % 2:
            raise ValueError("message counts must be even: conversations are user/assistant pairs")
        if not (self.largest + 2 * (active - 1) <= self.messages <= self.largest * active):
            raise ValueError("the total does not fit between the largest and the smallest sizes")


def assistant_sizes(shape: Shape) -> list[int]:
    """Messages of each assistant, largest first: `largest * rank ** -alpha`, with alpha
    chosen so the sizes add up to `messages`; the last `empty_assistants` get none."""
    active = shape.assistants - shape.empty_assistants

    def total(alpha: float) -> float:
        return sum(shape.largest * rank**-alpha for rank in range(1, active + 1))

    low, high = 0.0, 10.0
    for _ in range(60):
        alpha = (low + high) / 2
        low, high = (alpha, high) if total(alpha) > shape.messages else (low, alpha)
    sizes = [shape.largest] + [
        max(2, 2 * round(shape.largest * rank**-alpha / 2)) for rank in range(2, active + 1)
    ]
    # Rounding leaves a small even remainder: spread it over the others, two at a time.
    remainder, rank = shape.messages - sum(sizes), 1
    while remainder:
        step = 2 if remainder > 0 else -2
        if 2 <= sizes[rank] + step <= shape.largest:
            sizes[rank] += step
            remainder -= step
        rank = rank % (active - 1) + 1
    return sizes + [0] * shape.empty_assistants


class Calendar:
    """The days of one reporting zone that carry data: `days` local days ending yesterday,
    with their weights and UTC start, and a fast UTC text form of epoch seconds for COPY."""

    def __init__(self, anchor: datetime, tz_name: str, days: int):
        tz = ZoneInfo(tz_name)
        yesterday = anchor.astimezone(tz).date() - timedelta(days=1)
        dates = [yesterday - timedelta(days=offset) for offset in range(days - 1, -1, -1)]
        self.starts = [
            int(datetime.combine(day, datetime.min.time(), tzinfo=tz).timestamp()) for day in dates
        ]
        weights = [
            WEEKDAY_WEIGHTS[day.weekday()] * (0.55 + 0.45 * index / max(1, days - 1))
            for index, day in enumerate(dates)
        ]
        self.cum_weights = list(_accumulate(weights))


def _accumulate(weights):
    running = 0.0
    for weight in weights:
        running += weight
        yield running


class Stamps:
    """Epoch seconds → `YYYY-MM-DD HH:MM:SS+00` through two lookups (formatting ten million
    datetimes would cost more than generating the rest of the rows)."""

    def __init__(self, anchor: datetime, days: int):
        first = (anchor - timedelta(days=days + 3)).date()
        self.base = int(datetime.combine(first, datetime.min.time(), tzinfo=UTC).timestamp())
        self.dates = [(first + timedelta(days=n)).isoformat() for n in range(days + 6)]
        self.clock = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]

    def __call__(self, epoch: int) -> str:
        offset = epoch - self.base
        return f"{self.dates[offset // 86400]} {self.clock[offset % 86400]}+00"


VOCABULARY = (
    "account",
    "invoice",
    "export",
    "report",
    "order",
    "refund",
    "password",
    "reset",
    "login",
    "team",
    "plan",
    "upgrade",
    "schedule",
    "delivery",
    "address",
    "payment",
    "card",
    "error",
    "page",
    "dashboard",
    "setting",
    "email",
    "notify",
    "please",
    "could",
    "you",
    "explain",
    "how",
    "why",
    "when",
    "where",
    "which",
    "the",
    "a",
    "my",
    "our",
    "your",
    "to",
    "for",
    "with",
    "about",
    "this",
    "that",
    "update",
    "change",
    "cancel",
    "help",
    "show",
    "list",
    "summary",
    "answer",
    "question",
    "data",
    "customer",
    "shipping",
    "return",
    "policy",
    "warranty",
    "price",
    "discount",
    "trial",
    "license",
    "support",
)


def _texts(rng: random.Random, count: int, words: tuple[int, int]) -> list[str]:
    return [
        " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(*words))).capitalize() + "."
        for _ in range(count)
    ]


@dataclass
class Batch:
    participants: list[str]
    conversations: list[str]
    messages: list[str]
    message_count: int = 0
    failures: list[str] = field(default_factory=list)


class Generator:
    """Rows of one assistant after another, in the tab-separated text form of COPY."""

    def __init__(self, shape: Shape, anchor: datetime):
        self.shape = shape
        self.rng = random.Random(shape.seed)
        self.stamp = Stamps(anchor, shape.days)
        self.limit = int(anchor.timestamp()) - 1
        self.calendars = {tz: Calendar(anchor, tz, shape.days) for tz in TIME_ZONES}
        self.hour_cum = list(_accumulate(HOUR_WEIGHTS))
        self.user_texts = _texts(self.rng, 97, (4, 14))
        self.answer_texts = _texts(self.rng, 101, (12, 28))
        self.titles = _texts(self.rng, 53, (2, 5))
        self.next_participant = 1
        self.next_conversation = 1

    def assistant(self, batch: Batch, *, assistant_id: int, size: int, tz: str) -> None:
        rng, stamp, limit = self.rng, self.stamp, self.limit
        random_ = rng.random
        base, dates, clock = stamp.base, stamp.dates, stamp.clock
        calendar = self.calendars[tz]
        starts = calendar.starts
        user_texts, answer_texts, titles = self.user_texts, self.answer_texts, self.titles
        n_user, n_answer, n_title = len(user_texts), len(answer_texts), len(titles)
        people = max(1, round(size / (ACTIVE_DAYS_PER_PERSON * MESSAGES_PER_ACTIVE_DAY)))
        first_seen = [0] * people
        conversations, messages = batch.conversations, batch.messages
        add_conversation, add_message = conversations.append, messages.append
        add_failure = batch.failures.append
        aid = str(assistant_id)
        cid = self.next_conversation
        remaining = size
        while remaining:
            days = rng.choices(range(len(starts)), cum_weights=calendar.cum_weights, k=512)
            hours = rng.choices(range(24), cum_weights=self.hour_cum, k=512)
            for day, hour in zip(days, hours, strict=True):
                if not remaining:
                    break
                # A few heavy users, a long tail of occasional ones.
                person = int(people * random_() ** 3)
                t = starts[day] + hour * 3600 + int(random_() * 3600)
                draw = random_()
                sessions = 1 if draw < 0.35 else 2 if draw < 0.75 else 3
                for _ in range(sessions):
                    draw = random_()
                    pairs = 1 if draw < 0.25 else 2 if draw < 0.55 else 3 if draw < 0.75 else 4
                    pairs = min(pairs + (draw > 0.9), remaining // 2)
                    if not pairs:
                        break
                    first = min(t, limit)
                    prefix = f"{aid}\t{cid}\t"
                    model, speed_ms, costed = BENCH_MODELS[cid % len(BENCH_MODELS)]
                    for k in range(pairs):
                        at = min(t, limit) - base
                        add_message(
                            f"{prefix}user\t{user_texts[(cid + k) % n_user]}\t"
                            f"{dates[at // 86400]} {clock[at % 86400]}+00\t{NO_ANSWER_FIELDS}\n"
                        )
                        if random_() < FAILURE_SHARE:
                            # A failed reply, then the answer of "Try again".
                            add_failure(
                                f"{prefix}{dates[at // 86400]} {clock[at % 86400]}+00\t"
                                f"{model}\ttime-out\n"
                            )
                        # Latency: a skewed spread around the model's speed; tokens: the
                        # thread so far is read again at every turn.
                        latency_ms = int(speed_ms * (0.3 + 2.5 * random_() ** 2))
                        t += 1 + latency_ms // 1000
                        at = min(t, limit) - base
                        input_tokens = 300 + 180 * k + int(random_() * 200)
                        output_tokens = 40 + int(random_() * 500)
                        cost = (
                            f"{(input_tokens * 3 + output_tokens * 15) / 1e6:.9f}"
                            if costed
                            else "\\N"
                        )
                        add_message(
                            f"{prefix}assistant\t{answer_texts[(cid + k) % n_answer]}\t"
                            f"{dates[at // 86400]} {clock[at % 86400]}+00\t{model}\t"
                            f"{latency_ms}\t{input_tokens}\t{output_tokens}\t{cost}\n"
                        )
                        t += 30 + int(random_() * 210)
                    # `at` is now the last answer's time: the conversation's last message.
                    last_text = f"{dates[at // 86400]} {clock[at % 86400]}+00"
                    if not first_seen[person] or first < first_seen[person]:
                        first_seen[person] = first
                    first_text = stamp(first)
                    add_conversation(
                        f"{cid}\t{aid}\t{self.next_participant + person}\t"
                        f"{titles[cid % n_title]}\t{first_text}\t{first_text}\t{last_text}\n"
                    )
                    cid += 1
                    remaining -= 2 * pairs
                    # The next conversation of the day, ten minutes to three hours later.
                    t += 600 + int(random_() * 10200)
        start_text = stamp(starts[0])
        for person, seen in enumerate(first_seen):
            seen_text = stamp(seen) if seen else "\\N"
            batch.participants.append(
                f"{self.next_participant + person}\t{aid}\tperson-{aid}-{person}\t"
                f"{seen_text}\t{seen_text if seen else start_text}\n"
            )
        batch.message_count += size
        self.next_participant += people
        self.next_conversation = cid


def batches(generator: Generator, sizes: list[int]):
    """Yield batches of whole assistants, about BATCH_MESSAGES messages each."""
    batch = Batch([], [], [])
    for index, size in enumerate(sizes):
        if not size:
            continue
        generator.assistant(
            batch, assistant_id=index + 1, size=size, tz=TIME_ZONES[index % len(TIME_ZONES)]
        )
        if batch.message_count >= BATCH_MESSAGES:
            yield batch
            batch = Batch([], [], [])
    if batch.message_count:
        yield batch


def copy_rows(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """Stream text rows into `table` through COPY (psycopg 3), in 8 MB pieces."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        piece, size = [], 0
        for row in rows:
            piece.append(row)
            size += len(row)
            if size > 8_000_000:
                copy.write("".join(piece))
                piece, size = [], 0
        if piece:
            copy.write("".join(piece))


PARTICIPANT_COLUMNS = ("id", "assistant_id", "external_id", "first_message_at", "created_at")
CONVERSATION_COLUMNS = (
    "id",
    "assistant_id",
    "participant_id",
    "title",
    "created_at",
    "first_message_at",
    "last_message_at",
)
MESSAGE_COLUMNS = (
    *("assistant_id", "conversation_id", "role", "content", "created_at"),
    *("model", "latency_ms", "input_tokens", "output_tokens", "cost_usd"),
)
FAILURE_COLUMNS = ("assistant_id", "conversation_id", "created_at", "model", "error")
USER_COLUMNS = (
    *("id", "password", "is_superuser", "username", "first_name", "last_name", "email"),
    *("is_staff", "is_active", "date_joined"),
)
ASSISTANT_COLUMNS = (
    *("id", "name", "description", "instructions", "model", "time_zone", "creator_id"),
    "created_at",
)
VERSION_COLUMNS = (
    *("assistant_id", "number", "name", "description", "instructions", "model", "time_zone"),
    *("changed_fields", "changed_by_id", "changed_at"),
)


# Loader connections, each COPYing its own batches while this thread generates the next.
LOADERS = 2

# What the foreign keys would have checked row by row, checked once after a load that
# skipped them: each must count 0.
_ORPHANS = {
    "messages outside their assistant's conversations": """
        SELECT count(*) FROM assistants_message m
        LEFT JOIN assistants_conversation c
          ON c.id = m.conversation_id AND c.assistant_id = m.assistant_id
        WHERE c.id IS NULL""",
    "conversations outside their assistant's participants": """
        SELECT count(*) FROM assistants_conversation c
        LEFT JOIN assistants_participant p
          ON p.id = c.participant_id AND p.assistant_id = c.assistant_id
        WHERE p.id IS NULL""",
    "participants of no assistant": """
        SELECT count(*) FROM assistants_participant p
        LEFT JOIN assistants_assistant a ON a.id = p.assistant_id
        WHERE a.id IS NULL""",
}


def _load_batches(bench: Bench, batch_queue: queue.Queue, errors: list, *, skip_fk: bool):
    """Loader thread: one transaction per batch, on this thread's own connection."""
    try:
        while (batch := batch_queue.get()) is not None:
            with transaction.atomic(), connection.cursor() as cursor:
                if skip_fk:
                    # As pg_restore --disable-triggers: the per-row foreign key checks would
                    # double the load; `_ORPHANS` checks the same once at the end.
                    cursor.execute("SET LOCAL session_replication_role = replica")
                copy_rows(cursor, "assistants_participant", PARTICIPANT_COLUMNS, batch.participants)
                copy_rows(
                    cursor, "assistants_conversation", CONVERSATION_COLUMNS, batch.conversations
                )
                copy_rows(cursor, "assistants_message", MESSAGE_COLUMNS, batch.messages)
                copy_rows(cursor, "assistants_failedreply", FAILURE_COLUMNS, batch.failures)
            bench.progress(f"  committed a batch of {batch.message_count:,} messages")
    except BaseException as error:  # handed to the main thread, which re-raises it
        errors.append(error)
        while batch_queue.get() is not None:
            pass
    finally:
        connection.close()


ALL_FIELDS = json.dumps(["name", "description", "instructions", "model", "time_zone"])


def _accounts_and_assistants(cursor, shape: Shape, anchor: datetime) -> None:
    """Creators (accounts), assistants, their empty totals and configuration versions."""
    stamp = Stamps(anchor, shape.days + 40)
    joined = int((anchor - timedelta(days=shape.days + 30)).timestamp())
    copy_rows(
        cursor,
        "auth_user",
        USER_COLUMNS,
        (
            f"{n}\t!bench-no-login\tf\tbench-creator-{n:03d}\tCreator\t{n}\t"
            f"creator{n}@bench.example\tf\tt\t{stamp(joined)}\n"
            for n in range(1, shape.creators + 1)
        ),
    )
    assistants, versions = [], []
    for index in range(shape.assistants):
        aid, tz = index + 1, TIME_ZONES[index % len(TIME_ZONES)]
        creator = index % shape.creators + 1
        created = joined + index * 600
        name = f"Bench assistant {aid:04d}"
        # Some assistants were reconfigured during the year: the charts mark those changes.
        changes = (aid + 2) % 4
        for number in range(1, changes + 2):
            at = created + (number - 1) * 86400 * shape.days // (changes + 1) + 86400 * 30
            fields = ALL_FIELDS if number == 1 else '["instructions"]'
            versions.append(
                f"{aid}\t{number}\t{name}\t\tAnswer as version {number}.\toffline\t{tz}\t"
                f"{fields}\t{creator}\t{stamp(created if number == 1 else at)}\n"
            )
        assistants.append(
            f"{aid}\t{name}\t\tAnswer as version {changes + 1}.\toffline\t{tz}\t{creator}\t"
            f"{stamp(created)}\n"
        )
    copy_rows(
        cursor,
        "assistants_assistant",
        ASSISTANT_COLUMNS,
        assistants,
    )
    copy_rows(
        cursor,
        "assistants_usagetotals",
        ("assistant_id", "users", "conversations", "messages"),
        (f"{n}\t0\t0\t0\n" for n in range(1, shape.assistants + 1)),
    )
    copy_rows(
        cursor,
        "assistants_configurationversion",
        VERSION_COLUMNS,
        versions,
    )
    cursor.execute("DELETE FROM assistants_modelprice")
    copy_rows(
        cursor,
        "assistants_modelprice",
        ("model", "effective_from", "input_usd_per_million", "output_usd_per_million"),
        (f"{model}\t{stamp(joined)}\t{i}\t{o}\n" for model, i, o in BENCH_PRICES),
    )


# Tables whose ids the load sets itself; their sequences must move past them.
_SEQUENCES = (
    "auth_user",
    "assistants_assistant",
    "assistants_participant",
    "assistants_conversation",
)


def check_database_is_ours() -> None:
    """Refuse a database that holds accounts the benchmark did not create (before anything
    is written to it: migrations, the marker, the load)."""
    tables = connection.introspection.table_names()
    if "auth_user" in tables and "bench_dataset" not in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM auth_user)")
            (accounts,) = cursor.fetchone()
        if accounts:
            raise RuntimeError(
                f"{connection.settings_dict['NAME']} holds accounts the benchmark did not "
                "create: refusing to use it. Point BENCH_DATABASE_URL at a database of its own."
            )


def _clear(cursor, shape: Shape) -> None:
    """Empty the bench database and mark the load as not finished yet."""
    # Every table of the app hangs off accounts or assistants, so this empties them all.
    cursor.execute(
        "TRUNCATE auth_user, assistants_assistant, django_session RESTART IDENTITY CASCADE"
    )
    cursor.execute(MARKER_DDL)
    cursor.execute("DELETE FROM bench_dataset")
    cursor.execute("INSERT INTO bench_dataset (shape) VALUES (%s)", [json.dumps(asdict(shape))])


def stored_dataset(shape: Shape) -> dict | None:
    """The marker of a complete load with this shape, if the database holds one."""
    with connection.cursor() as cursor:
        cursor.execute(MARKER_DDL)
        cursor.execute(
            "SELECT shape, load_seconds, counts, loaded_at FROM bench_dataset WHERE complete"
        )
        row = cursor.fetchone()
    # Django's connection hands jsonb over as text.
    if row is None or json.loads(row[0]) != asdict(shape):
        return None
    _, load_seconds, counts, loaded_at = row
    return {"load_seconds": load_seconds, "counts": json.loads(counts), "at": loaded_at}


def load(bench: Bench, shape: Shape) -> dict:
    """Replace the bench database's contents with a fresh dataset. Returns what it loaded."""
    started = time.perf_counter()
    anchor = datetime.now(UTC).replace(microsecond=0)
    sizes = assistant_sizes(shape)
    with transaction.atomic(), connection.cursor() as cursor:
        _clear(cursor, shape)
        _accounts_and_assistants(cursor, shape, anchor)
    bench.progress(f"loaded {shape.creators} creators and {shape.assistants} assistants")

    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        (skip_fk,) = cursor.fetchone()
    generator = Generator(shape, anchor)
    batch_queue: queue.Queue = queue.Queue(maxsize=LOADERS)
    errors: list[BaseException] = []
    loaders = [
        threading.Thread(
            target=_load_batches, args=(bench, batch_queue, errors), kwargs={"skip_fk": skip_fk}
        )
        for _ in range(LOADERS)
    ]
    for loader in loaders:
        loader.start()
    generated = 0
    try:
        for batch in batches(generator, sizes):
            if errors:
                break
            batch_queue.put(batch)
            generated += batch.message_count
            bench.progress(f"generated {generated:,} messages")
    finally:
        for _ in loaders:
            batch_queue.put(None)
        for loader in loaders:
            loader.join()
    if errors:
        raise errors[0]
    copied = time.perf_counter() - started
    bench.progress(f"copied in {copied:.0f}s; checking references, VACUUM ANALYZE")

    with connection.cursor() as cursor:
        if skip_fk:
            for problem, query in _ORPHANS.items():
                cursor.execute(query)
                if cursor.fetchone()[0]:
                    raise RuntimeError(f"the load left {problem}")
        for table in _SEQUENCES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        # Sets the visibility map and statistics, as autovacuum would soon after a load.
        cursor.execute(
            "VACUUM ANALYZE auth_user, assistants_assistant, assistants_participant, "
            "assistants_conversation, assistants_message, assistants_configurationversion"
        )
        counts = dataset_counts(cursor)
        seconds = time.perf_counter() - started
        cursor.execute(
            "UPDATE bench_dataset "
            "SET complete = true, load_seconds = %s, counts = %s, loaded_at = now()",
            [seconds, json.dumps(counts)],
        )
    return {
        "load_seconds": seconds,
        "copy_seconds": round(copied, 1),
        "foreign_keys": "checked once after the load" if skip_fk else "checked per row",
        "counts": counts,
        "at": datetime.now(UTC),
    }


def dataset_counts(cursor) -> dict:
    counts = {}
    for key, table in (
        ("accounts", "auth_user"),
        ("assistants", "assistants_assistant"),
        ("participants", "assistants_participant"),
        ("conversations", "assistants_conversation"),
        ("messages", "assistants_message"),
    ):
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[key] = cursor.fetchone()[0]
    return counts


def run(bench: Bench) -> dict:
    """Section `dataset`: reuse the stored dataset of this shape, or load it."""
    shape: Shape = bench.options["shape"]
    stored = None if bench.options["reload"] else stored_dataset(shape)
    reused = stored is not None
    if reused:
        bench.progress("reusing the stored dataset (--reload replaces it)")
        info = stored
    else:
        bench.progress(f"loading {shape.messages:,} messages over {shape.days} days")
        info = load(bench, shape)
    sizes = assistant_sizes(shape)
    largest = max(range(len(sizes)), key=sizes.__getitem__) + 1
    empty = len(sizes)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, creator_id FROM assistants_assistant WHERE id IN (%s, %s)",
            [largest, empty],
        )
        creators = dict(cursor.fetchall())
        # Counted now, so that they include rows other sections may have added since.
        counts = dataset_counts(cursor)
        cursor.execute(
            "SELECT count(*) FILTER (WHERE assistant_id <= %s), "
            "count(*) FILTER (WHERE assistant_id = %s) FROM assistants_message",
            [shape.assistants, largest],
        )
        own_messages, largest_messages = cursor.fetchone()
    as_loaded = own_messages == shape.messages and largest_messages == sizes[largest - 1]
    if not as_loaded:
        bench.progress(
            f"WARNING: the dataset's assistants now hold {own_messages:,} messages, the largest "
            f"{largest_messages:,}: another section added some. --reload restores the shape."
        )
    bench.state.update(
        largest={"id": largest, "messages": largest_messages, "creator_id": creators[largest]},
        empty={"id": empty, "messages": 0, "creator_id": creators[empty]},
    )
    active = [size for size in sizes if size]
    return {
        "reused": reused,
        "loaded_at": info["at"].isoformat(),
        "load_seconds": round(info["load_seconds"], 1),
        **{key: info[key] for key in ("copy_seconds", "foreign_keys") if key in info},
        "counts": counts,
        "shape": asdict(shape),
        "messages_as_loaded": as_loaded,
        "assistants_with_messages": len(active),
        "largest_assistant": {"id": largest, "messages": largest_messages},
        "median_assistant_messages": sorted(active)[len(active) // 2],
        "smallest_active_assistant_messages": min(active),
        "empty_assistant": {"id": empty, "messages": 0},
        "time_zones": list(TIME_ZONES),
    }
