"""Ratings of assistant answers, what people chose to share with them, and their exact daily
counters."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q

from assistants.models import (
    Assistant,
    Conversation,
    Message,
    Participant,
    UsageSource,
    unique_day,
)

COMMENT_MAX_LENGTH = 2000
CONTACT_NAME_MAX_LENGTH = 150
REASON_MAX_LENGTH = 60
# How many reasons one list may hold: a list longer than this is no longer a quick pick.
REASONS_PER_LIST = 12
NOTE_MAX_LENGTH = 2000
# The text search configuration of comments: `simple` lower-cases words without stemming
# or stop words of one language, so comments in any language are found by their words.
SEARCH_CONFIG = "simple"
# The longest beginning of a comment's word with a counter (`feedback.facets.word_prefixes`):
# a search of one longer word reads the ratings instead.
WORD_PREFIX_MAX = 24

# SPEC §5: what a person may pick after each rating until the assistant's lists are edited.
DEFAULT_REASONS = {
    "positive": ("Accurate", "Helpful", "Clear", "Saved me time"),
    "negative": (
        "Inaccurate",
        "Not helpful",
        "Incomplete",
        "Did not follow instructions",
        "Too long",
        "Other",
    ),
}


class Rating(models.Model):
    """The current rating of one assistant answer by the person whose conversation it is.

    A person's contact details are kept only while they choose to share them (a check
    constraint holds it), so feedback without them is anonymous by construction. A shared
    chat is the conversation up to `chat_shared_at`, reached through `share_token`;
    withdrawing clears both, so the link is dead at once.
    """

    class Value(models.TextChoices):
        POSITIVE = "positive", "Thumbs up"
        NEGATIVE = "negative", "Thumbs down"

    class Status(models.TextChoices):
        NEW = "new", "New"
        REVIEWED = "reviewed", "Reviewed"
        RESOLVED = "resolved", "Resolved"

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    value = models.CharField(max_length=10, choices=Value.choices)
    # When the current value was given: the day it counts on.
    rated_at = models.DateTimeField()
    # The rated answer's text and the question it answered, copied when the rating is first
    # written so that the Feedback tab and its CSV read one table. A message's text changes
    # only when its chat is deleted, and then the content erasers empty these copies too.
    answer = models.TextField(blank=True)
    question = models.TextField(blank=True)
    # The configuration version in force when the rated answer was given
    # (`assistants.versions`); an answer's timestamp never changes, so neither does this.
    version = models.PositiveIntegerField(default=1)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    search = models.GeneratedField(
        expression=SearchVector("comment", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # The reasons picked, as labels: a reason later removed from the assistant's lists
    # stays on the ratings that have it.
    reasons = ArrayField(models.CharField(max_length=REASON_MAX_LENGTH), default=list, blank=True)
    share_contact = models.BooleanField(default=False)
    contact_name = models.CharField(max_length=CONTACT_NAME_MAX_LENGTH, blank=True)
    contact_email = models.EmailField(blank=True)
    share_token = models.UUIDField(null=True, blank=True)
    chat_shared_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=255, null=True, blank=True)
    updated_at = models.DateTimeField()
    # When its author's data was erased (`erase_person_text`): every text column emptied,
    # sharing withdrawn; the value and its time still count.
    text_erased_at = models.DateTimeField(null=True, blank=True)
    # Review by the assistant's managers: never counted, never shown to the rater. A rating
    # whose value changes is `new` again (`services.record_ratings`).
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "message", "participant"], name="rating_one_per_answer"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["new", "reviewed", "resolved"]),
                name="rating_status_valid",
            ),
            models.UniqueConstraint(
                fields=["assistant", "external_id"],
                condition=Q(external_id__isnull=False),
                name="rating_unique_external_id",
            ),
            models.UniqueConstraint(
                fields=["assistant", "share_token"],
                condition=Q(share_token__isnull=False),
                name="rating_unique_share_token",
            ),
            models.CheckConstraint(
                condition=Q(value__in=["positive", "negative"]), name="rating_value_valid"
            ),
            models.CheckConstraint(
                condition=Q(share_contact=True) | Q(contact_name="", contact_email=""),
                name="rating_contact_only_when_shared",
            ),
            models.CheckConstraint(
                condition=Q(share_token__isnull=True, chat_shared_at__isnull=True)
                | Q(share_token__isnull=False, chat_shared_at__isnull=False),
                name="rating_shared_chat_complete",
            ),
        ]
        indexes = [
            # The Feedback tab's columns: one rating value, newest first, keyset pages.
            models.Index(
                fields=["assistant", "value", "-rated_at", "-id"], name="rating_tab_by_value"
            ),
            # The ratings with a comment, newest first: the tab's columns with "has a
            # comment" ticked read them in order. A search (only a comment has words): its
            # counts, how many are new and its reasons chart read it alone, index-only, in
            # one pass that tests each comment's words (`selectors.feedback_summary`), with
            # any other filter; its columns walk it until a page of matches.
            models.Index(
                fields=["assistant", "-rated_at", "-id"],
                include=["value", "status", "version", "reasons", "search"],
                condition=~Q(comment=""),
                name="rating_tab_with_comment",
            ),
            # The feedback CSV of a timeframe, newest first, and rebuilding the counters.
            models.Index(fields=["assistant", "-rated_at", "-id"], name="rating_by_time"),
            # The ratings shown in one chat.
            models.Index(fields=["assistant", "conversation"], name="rating_by_conversation"),
            # The tab's columns filtered by review status, and how many are new.
            models.Index(
                fields=["assistant", "value", "status", "-rated_at", "-id"],
                name="rating_tab_by_status",
            ),
            # The tab's columns filtered by the rated answer's version, and their counts
            # (index-only).
            models.Index(
                fields=["assistant", "value", "version", "-rated_at", "-id"],
                include=["status"],
                name="rating_tab_by_version",
            ),
            # `reason=` and `q=`: GIN over the reasons / the comment's words, which PostgreSQL
            # intersects (BitmapAnd) with the assistant's own index above. They cannot lead
            # with the assistant: that needs btree_gin, a contrib extension that the
            # embedded server (pgserver) does not ship.
            GinIndex(fields=["reasons"], name="rating_reasons"),
            GinIndex(fields=["search"], name="rating_search"),
            # The reasons chart: the range's ratings that have reasons, read index-only.
            models.Index(
                fields=["assistant", "-rated_at"],
                include=["value", "reasons"],
                condition=~Q(reasons=[]),
                name="rating_with_reasons",
            ),
            # A search with a reason: the ratings with a comment and reasons, a few of those
            # with a comment (120,000 of 300,000 on the benchmark), read index-only in one
            # pass as `rating_tab_with_comment` is for a search alone.
            models.Index(
                fields=["assistant", "-rated_at", "-id"],
                include=["value", "status", "version", "reasons", "search"],
                condition=~Q(comment="") & ~Q(reasons=[]),
                name="rating_search_with_reasons",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.value} rating of message {self.message_id}"

    @property
    def chat_shared(self) -> bool:
        return self.share_token is not None


class ReasonLists(models.Model):
    """The reasons an assistant's raters may pick, one list per rating value, in the order
    shown. No row: the default lists (`DEFAULT_REASONS`)."""

    assistant = models.OneToOneField(
        Assistant, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    positive = ArrayField(models.CharField(max_length=REASON_MAX_LENGTH), default=list)
    negative = ArrayField(models.CharField(max_length=REASON_MAX_LENGTH), default=list)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "reason lists"

    def __str__(self) -> str:
        return f"reasons of {self.assistant_id}"

    def for_value(self, value: str) -> list[str]:
        return list(self.positive if value == "positive" else self.negative)


class DailyFeedback(models.Model):
    """Ratings whose current value was given on one day of the assistant's reporting zone.

    A day without ratings has no row (a re-rating that empties a day deletes it), so the
    counters kept as ratings arrive and the ones `rebuild` writes are the same rows.
    """

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # The source of the rated answer's conversation (`assistants.models.UsageSource`).
    source = models.CharField(max_length=3, choices=UsageSource.choices, default=UsageSource.APP)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = unique_day("assistant", "day", "source", name="daily_feedback_unique_day")
        verbose_name_plural = "daily feedback"

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day}"


class VersionFeedback(models.Model):
    """Current ratings of the answers of one configuration version and model, by the day the
    rated answer was given (reporting zone) and the source of its conversation (`app`, or
    `api` when the conversation has an external id). `model` is the rated answer's (`""`
    when not given): satisfaction by version sums over it, satisfaction by model over the
    versions.

    The key is the answer's, so it never moves: a re-rating moves one count from positive to
    negative or back within its row, and a row never empties (`feedback.version_feedback`).
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
    model = models.CharField(max_length=100, blank=True, default="")
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # Also the index of the impact page, the version table and the model table: one
            # assistant's days.
            models.UniqueConstraint(
                fields=["assistant", "day", "source", "version", "model"],
                name="version_feedback_unique",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["app", "api"]), name="version_feedback_source_valid"
            ),
        ]
        verbose_name_plural = "version feedback"

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day} {self.source} v{self.version} {self.model}"


class DailyFeedbackFacet(models.Model):
    """Ratings of one value on one day of the reporting zone (the day the Feedback tab's
    timeframe filters on) of answers of one configuration version that have one facet, and
    how many of them are new and resolved (the rest are reviewed), so each facet's rows also
    count it under a review status and a version: a reason
    picked (`label` the reason), a comment (`label` ""), a review status (`label` the status),
    the rated answer's version (`label` its number) or a beginning of a word of its comment
    (`label` the beginning, as a search of one word finds it); with `reason`, the same ratings
    that also have that reason. The Feedback tab's counts, unfiltered and under each single
    filter, and its reasons chart, unfiltered and under each single filter, read these
    (`feedback.facets`).

    A key without ratings has no row, so the rows kept as ratings change and the ones
    `rebuild` writes are the same.
    """

    class Facet(models.TextChoices):
        REASON = "reason"
        COMMENT = "comment"
        STATUS = "status"
        VERSION = "version"
        WORD = "word"

    # Indexed by the unique key, which it leads.
    assistant = models.ForeignKey(
        Assistant, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    value = models.CharField(max_length=10)
    facet = models.CharField(max_length=10, choices=Facet.choices)
    label = models.CharField(max_length=REASON_MAX_LENGTH, blank=True)
    # "": every rating of the key. A reason: the ratings of the key that have it, counted
    # once for each time they list it, so the reasons chart under this one filter sums
    # these rows as it would count the reasons of the ratings that pass (on a reason facet,
    # a rating is counted once however often it lists `label`).
    reason = models.CharField(max_length=REASON_MAX_LENGTH, blank=True, db_default="")
    # The rated answers' version (`Rating.version`): a day has the rows of each version
    # rated on it, one or two but around a change.
    version = models.PositiveIntegerField(db_default=1)
    # Plain integers: an upsert carries a change, which may be negative, as its new row.
    ratings = models.IntegerField()
    new = models.IntegerField()
    resolved = models.IntegerField(db_default=0)

    class Meta:
        constraints = [
            # Also the index of every read: one facet's label (and reason) over a range of
            # days, whatever the other facets hold. It holds the counts, so those reads are
            # index-only: a range's rows sit on as many heap pages as it has rows (3,660
            # rows, 3,806 pages for a year of one facet's reasons: 4.6 ms, 2.7 index-only).
            models.UniqueConstraint(
                fields=["assistant", "facet", "label", "reason", "day", "value", "version"],
                include=["ratings", "new", "resolved"],
                name="daily_feedback_facet_unique",
            ),
        ]
        indexes = [
            # The reasons chart without a filter: the reason rows of every rating, without the
            # (far more) rows by reason that the unique key holds beside them.
            models.Index(
                fields=["assistant", "facet", "day"],
                include=["label", "value", "ratings", "new", "resolved"],
                condition=Q(reason=""),
                name="facet_of_every_rating",
            ),
        ]
        verbose_name_plural = "daily feedback facets"

    def __str__(self) -> str:
        with_reason = f" with {self.reason}" if self.reason else ""
        return f"{self.assistant_id} {self.day} {self.value} {self.facet} {self.label}{with_reason}"
