"""Assistants, who may use them, their configuration history, and the chat events.

Every table that belongs to an assistant carries `assistant_id`, and it leads every unique
key and index, so the schema can later be distributed by assistant.
"""

import zoneinfo

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

# A hundred years: longer is "forever", which is no limit at all.
MAX_RETENTION_DAYS = 36_500


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not an IANA time zone name, such as Europe/Paris.")


class Assistant(models.Model):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    instructions = models.TextField(blank=True)
    model = models.CharField(
        max_length=100,
        default="offline",
        help_text="“offline” for the built-in backend, or a model name of the "
        "OpenAI-compatible server.",
    )
    time_zone = models.CharField(
        "reporting time zone",
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Every “day” in Usage Insights is a calendar day in this zone.",
    )
    creator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_assistants"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # How many days chat text is kept (NULL: forever); `purge_expired_content` erases older
    # text and keeps every count.
    retention_days = models.PositiveIntegerField(
        "keep chat text for (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RETENTION_DAYS)],
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


# The configuration fields that are versioned, in the order they are shown.
CONFIGURATION_FIELDS = (
    "name",
    "description",
    "instructions",
    "model",
    "time_zone",
    "retention_days",
)


def configuration_field_label(field: str) -> str:
    """A configuration field as people read it ("reporting time zone", not "time_zone")."""
    try:
        return str(Assistant._meta.get_field(field).verbose_name)
    except FieldDoesNotExist:
        return field.replace("_", " ")


class Membership(models.Model):
    """An editor or user of an assistant. The creator is `Assistant.creator`, not a member."""

    class Role(models.TextChoices):
        EDITOR = "editor", "Editor"
        USER = "user", "User"

    # Indexed by the unique key (assistant, user): no index of its own.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="memberships", db_index=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assistant", "user"], name="membership_unique_user"),
            models.CheckConstraint(
                condition=Q(role__in=["editor", "user"]), name="membership_role_valid"
            ),
        ]
        # The assistant list asks "which assistants may this person reach?".
        indexes = [models.Index(fields=["user", "assistant"], name="membership_by_user")]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display().lower()} of {self.assistant}"


class ConfigurationVersion(models.Model):
    """The assistant's configuration as it was after one change (version 1 is the creation)."""

    # Indexed by the unique key (assistant, number).
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="versions", db_index=False
    )
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    instructions = models.TextField(blank=True)
    model = models.CharField(max_length=100)
    time_zone = models.CharField(max_length=64)
    retention_days = models.PositiveIntegerField(null=True, blank=True)
    changed_fields = models.JSONField(default=list, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["assistant", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["assistant", "number"], name="version_unique_number"),
        ]
        # The charts mark the changes inside the shown range.
        indexes = [models.Index(fields=["assistant", "changed_at"], name="version_by_time")]

    def __str__(self) -> str:
        return f"{self.assistant_id} v{self.number}"

    @property
    def changed_labels(self) -> list[str]:
        """The changed fields as people read them."""
        return [configuration_field_label(field) for field in self.changed_fields]


class Participant(models.Model):
    """Someone who chats with an assistant: an account of this app, or a person named by an
    outside chat front end (`external_id`), who never gains a login."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="participants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
    )
    external_id = models.CharField(max_length=255, null=True, blank=True)
    # When this person's first message was sent; NULL until then (all-time users).
    first_message_at = models.DateTimeField(null=True, blank=True)
    # Their pseudonym within the assistant ("Person 17"): the order in which people first
    # wrote to it, given by the write path when their first message is counted. Reveals
    # nothing of the account or the row; NULL until they write.
    number = models.PositiveIntegerField(null=True, blank=True)
    # When their text with this assistant was last erased at their (or an admin's) request;
    # the participant and its counts stay, so a return is not a new user.
    content_erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "user"],
                condition=Q(user__isnull=False),
                name="participant_unique_user",
            ),
            models.UniqueConstraint(
                fields=["assistant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="participant_unique_external_id",
            ),
            # Also the index of "the highest number given so far".
            models.UniqueConstraint(
                fields=["assistant", "number"], name="participant_unique_number"
            ),
        ]

    def __str__(self) -> str:
        return f"participant {self.pk} of assistant {self.assistant_id}"

    @property
    def pseudonym(self) -> str:
        return f"Person {self.number}"


class Conversation(models.Model):
    # Indexed by conversation_by_participant, which it leads.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="conversations", db_index=False
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="conversations"
    )
    external_id = models.CharField(max_length=255, null=True, blank=True)
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # The earliest message's time; NULL while empty. Conversations per day count by it.
    first_message_at = models.DateTimeField(null=True, blank=True)
    last_message_at = models.DateTimeField(null=True, blank=True)
    # Deleting a chat removes its text, never its counts.
    content_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="conversation_unique_external_id",
            ),
        ]
        # A person's own conversations, most recent first.
        indexes = [
            models.Index(
                fields=["assistant", "participant", "-created_at"],
                name="conversation_by_participant",
            ),
            # A person's conversations with a message in a range (the most active people,
            # `insights.people`), index only: those that end after the range starts.
            models.Index(
                fields=["assistant", "participant", "last_message_at"],
                include=["first_message_at", "external_id"],
                name="conversation_by_last_message",
            ),
        ]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"

    # Indexed by message_by_conversation and message_by_time, which it leads; one index
    # fewer to write per message. No constraint in the database either: a message's
    # assistant is always its conversation's (`record_messages` inserts through a join on
    # the conversation, whose own key checks the assistant), and checking it again would
    # cost a look-up per message at every commit of a batch.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    # How an answer was made (SPEC §3 "Answer quality and cost"); NULL when not known, and
    # always NULL on a person's message. `cost_usd` is what the sender said it cost; when it
    # is NULL the counters cost the answer from its tokens and `ModelPrice`.
    model = models.CharField(max_length=100, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    input_tokens = models.PositiveIntegerField(null=True, blank=True)
    output_tokens = models.PositiveIntegerField(null=True, blank=True)
    cost_usd = models.DecimalField(max_digits=20, decimal_places=12, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="message_unique_external_id",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["user", "assistant"]), name="message_role_valid"
            ),
        ]
        indexes = [
            # Reading a chat in order.
            models.Index(
                fields=["assistant", "conversation", "created_at"], name="message_by_conversation"
            ),
            # Rebuilding or auditing one assistant's days.
            models.Index(fields=["assistant", "created_at"], name="message_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.role} message {self.pk}"


class UsageSource(models.TextChoices):
    """Where a conversation came from: `api` when it has an `external_id` (the events API
    made it), `app` (the in-app chat) otherwise. The usage counters are kept per source."""

    APP = "app", "In-app chat"
    API = "api", "Events API"


def unique_day(*fields: str, name: str) -> list[models.UniqueConstraint]:
    """The constraints of a daily counter: its one unique key, the fields in the order of
    the key's index (the assistant first)."""
    return [models.UniqueConstraint(fields=list(fields), name=name)]


class DailyCounter(models.Model):
    """A counter row of one assistant, day and source; each model declares those fields and
    its key (`unique_day`) itself, in its own order."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day} {self.source}"


class DailyUsage(DailyCounter):
    """Exact usage counters of one assistant on one day of its reporting time zone, for the
    conversations of one source. Active users of all sources are not the sum of the
    sources' (a person may use both): they are counted from `DailyActiveUser`."""

    # Indexed by the unique key (assistant, day, source).
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    source = models.CharField(max_length=3, choices=UsageSource.choices, default=UsageSource.APP)
    active_users = models.PositiveIntegerField(default=0)
    conversations = models.IntegerField(default=0)
    user_messages = models.PositiveIntegerField(default=0)
    assistant_messages = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = unique_day("assistant", "day", "source", name="daily_usage_unique_day")
        verbose_name_plural = "daily usage"

    @property
    def messages(self) -> int:
        return self.user_messages + self.assistant_messages


class DailyActiveUser(models.Model):
    """One participant who sent a message on one day in conversations of one source, with how
    many they sent: makes distinct users of any period exact, and is what the People figures
    are counted from (at most people × days rows of a range, whatever the messages)."""

    # Indexed by the unique key (assistant, day, participant, source).
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=3, choices=UsageSource.choices, default=UsageSource.APP)
    user_messages = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Covers the People figures' one read of a range's rows (`insights.people`), so
            # it is index only.
            models.UniqueConstraint(
                fields=["assistant", "day", "participant", "source"],
                include=["user_messages"],
                name="daily_active_user_unique",
            ),
        ]
        indexes = [
            # A person's days: their neighbours and first two (`people_counters`), the most
            # active people's days of a range (`insights.people`), index only.
            models.Index(
                fields=["assistant", "participant", "day"],
                include=["source"],
                name="daily_active_user_by_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day} {self.participant_id} {self.source}"


class PeopleScope(models.TextChoices):
    """The sources a `DailyPeople` row counts: one of them, or both (a person who used both
    on a day counts once)."""

    ALL = "all", "All sources"
    APP = "app", "In-app chat"
    API = "api", "Events API"


class DailyPeople(DailyCounter):
    """Exact people counters of one assistant on one day of its reporting zone, for one
    scope of sources (`assistants.people_counters` keeps them): the People figures of a page
    read one row a day of its range, however many people and messages there were.

    Kept for every day on which monthly active users are not 0 (a person's active day and
    the 27 days after it)."""

    # Indexed by the unique key (assistant, source, day).
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    source = models.CharField(max_length=3, choices=PeopleScope.choices)
    day = models.DateField()
    active_users = models.PositiveIntegerField(default=0)  # active that day
    # Whose first (second) active day it is. Not "positive": an earlier message moves a
    # person's first day, and the write path's upsert proposes the -1 as a row of its own.
    new_users = models.IntegerField(default=0)
    returned_users = models.IntegerField(default=0)
    weekly_active_users = models.PositiveIntegerField(default=0)  # in the 7 days ending then
    monthly_active_users = models.PositiveIntegerField(default=0)  # in the 28 days ending then

    class Meta:
        constraints = unique_day("assistant", "source", "day", name="daily_people_unique_day")
        verbose_name_plural = "daily people"


class UsageTotals(models.Model):
    """All-time figures of one assistant; its row also serialises writers of the rollups."""

    assistant = models.OneToOneField(
        Assistant, on_delete=models.CASCADE, primary_key=True, related_name="totals"
    )
    users = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    messages = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "usage totals"

    def __str__(self) -> str:
        return f"totals of {self.assistant_id}"


class RateLimitWindow(models.Model):
    """Requests counted in the current fixed window of one rate-limit key (see ratelimit)."""

    key = models.CharField(max_length=200, primary_key=True)
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} since {self.window_start}"


class ApiKey(models.Model):
    """A key with which a chat front end outside the app sends events for one assistant.

    Only a SHA-256 hash of the secret is kept: the secret is 256 random bits, so a fast hash
    is enough (nothing to guess), and every API request can check it cheaply. The key names
    its assistant (`ui_<assistant id>_<secret>`), so look-ups are by (assistant, hash).
    """

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    # The first characters of the key, shown so that people can tell their keys apart.
    prefix = models.CharField(max_length=40)
    secret_hash = models.CharField(max_length=64)
    requests_per_minute = models.PositiveIntegerField(
        default=1200, help_text="Requests past this many in one minute get 429."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Authenticating a request looks the key up by it.
            models.UniqueConstraint(
                fields=["assistant", "secret_hash"], name="api_key_unique_hash"
            ),
        ]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class FailedReply(models.Model):
    """An attempt to answer that produced no answer: the in-app chat's backend error, time-out
    or empty answer, or a `failure` event of the events API. Raw events, so `rebuild_insights`
    can recount the failed replies."""

    # Indexed by failed_reply_by_time, which it leads.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="failed_replies"
    )
    created_at = models.DateTimeField(default=timezone.now)
    model = models.CharField(max_length=100, null=True, blank=True)
    error = models.TextField(blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="failed_reply_unique_external_id",
            ),
        ]
        # Rebuilding one assistant's failed replies.
        indexes = [models.Index(fields=["assistant", "created_at"], name="failed_reply_by_time")]
        verbose_name_plural = "failed replies"

    def __str__(self) -> str:
        return f"failed reply {self.pk} of assistant {self.assistant_id}"


class ModelPrice(models.Model):
    """The price of a model name from a moment on, in USD per million tokens. An answer that
    came without `cost_usd` is costed with the price in force at its own timestamp, when it
    is counted; editing a price re-costs earlier answers only at the next `rebuild_insights`
    (the Analytics tab shows which price each model's answers were costed with)."""

    model = models.CharField(max_length=100)
    effective_from = models.DateTimeField(
        default=timezone.now, help_text="Answers at or after this moment are costed with it."
    )
    input_usd_per_million = models.DecimalField(
        "input USD per million tokens", max_digits=12, decimal_places=6
    )
    output_usd_per_million = models.DecimalField(
        "output USD per million tokens", max_digits=12, decimal_places=6
    )

    class Meta:
        ordering = ["model", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "effective_from"], name="model_price_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(input_usd_per_million__gte=0) & Q(output_usd_per_million__gte=0),
                name="model_price_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} from {self.effective_from:%Y-%m-%d %H:%M}"


class DailyAnswerStats(models.Model):
    """Exact quality and cost counters of one assistant's answers and failed replies, per
    day of its reporting zone, source, configuration version and model.

    - `source`: `api` when the conversation has an `external_id`, `app` otherwise.
    - `version`: the configuration version in force at the answer's (or failure's) timestamp,
      by `assistants.versions.version_at_sql`, in the write path and in the rebuild alike.
    - `model`: the answer's model name, `""` when not given.
    - `cost_usd`: the sum of the answers' costs that are known; `unpriced_answers` counts
      the answers without one (no `cost_usd`, and no tokens or no price for the model).
    - `latency_first_bucket`, `latency_counts`: the histogram of the latencies of the
      answers that have one, `latency_counts[i]` answers in the log-spaced bucket
      `latency_first_bucket + i` (`assistants.answer_stats`), from the row's first non-empty
      bucket to its last; both NULL when no answer has a latency. A percentile of any days
      adds their rows' counts (`answer_stats.LatencyHistogram`).
    """

    class Source(models.TextChoices):
        APP = "app", "In-app chat"
        API = "api", "Events API"

    # Indexed by the unique key, which it leads.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    source = models.CharField(max_length=3, choices=Source.choices)
    version = models.PositiveIntegerField()
    model = models.CharField(max_length=100, blank=True)
    answers = models.PositiveIntegerField(default=0)
    answers_with_latency = models.PositiveIntegerField(default=0)
    failed_replies = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cost_usd = models.DecimalField(max_digits=24, decimal_places=12, default=0)
    unpriced_answers = models.PositiveIntegerField(default=0)
    latency_first_bucket = models.SmallIntegerField(null=True, blank=True)
    latency_counts = ArrayField(models.PositiveIntegerField(), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "day", "source", "version", "model"],
                name="daily_answer_stats_unique",
            ),
            models.CheckConstraint(
                condition=Q(latency_first_bucket__isnull=True, latency_counts__isnull=True)
                | Q(latency_first_bucket__isnull=False, latency_counts__isnull=False),
                name="daily_answer_stats_histogram_whole",
            ),
        ]
        verbose_name_plural = "daily answer stats"

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day} {self.source} v{self.version} {self.model}"
