"""Reads of the feedback app: the chat's rating controls, the Feedback tab and shared chats.

Everything a manager reads is anonymous unless its author shared contact details: no
selector here returns a rater's name, username, e-mail or id otherwise.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote
from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Max, Min, Q, Sum, Value
from django.db.models.functions import Substr
from django.http import Http404
from django.utils.http import urlencode

from assistants.models import Assistant, ConfigurationVersion, Membership, Message
from assistants.timeframe import DateRange
from feedback.models import (
    DEFAULT_REASONS,
    SEARCH_CONFIG,
    WORD_PREFIX_MAX,
    DailyFeedback,
    DailyFeedbackFacet,
    Rating,
    ReasonLists,
)


def daily_feedback_counts(
    *, assistant_id: int, start: date, end: date, sources: Sequence[str] | None = None
) -> dict[date, tuple[int, int]]:
    """{day: (positive, negative)} for the days in [start, end] that have ratings of answers
    in conversations of the sources (every source by default). One query."""
    rows = DailyFeedback.objects.filter(assistant_id=assistant_id, day__gte=start, day__lte=end)
    if sources is not None:
        rows = rows.filter(source__in=sources)
    rows = (
        rows.values("day")
        .annotate(positive=Sum("positive"), negative=Sum("negative"))
        .values_list("day", "positive", "negative")
    )
    return {day: (positive, negative) for day, positive, negative in rows}


# --- The chat ------------------------------------------------------------------------------


def answer_to_rate(assistant: Assistant, user: AbstractBaseUser, message_id: int) -> Message:
    """An answer of the assistant in one of the person's own, undeleted conversations; 404 for
    any other message, so nobody learns whether someone else's exists. One query."""
    return _first_with_conversation(
        Message.objects.filter(
            pk=message_id,
            assistant=assistant,
            role=Message.Role.ASSISTANT,
            conversation__participant__user=user,
            conversation__content_deleted_at__isnull=True,
        ),
        missing="No such answer.",
    )


def _first_with_conversation(rows, *, missing: str):
    """The first of `rows` with its conversation, in one query; 404 with `missing` when
    there is none."""
    found = rows.select_related("conversation").first()
    if found is None:
        raise Http404(missing)
    return found


def rating_of(answer: Message) -> Rating | None:
    """The current rating of the answer by the person whose conversation it is. One query."""
    return Rating.objects.filter(
        assistant_id=answer.assistant_id,
        message_id=answer.pk,
        participant_id=answer.conversation.participant_id,
    ).first()


def ratings_in(assistant_id: int, conversation_id: int) -> dict[int, Rating]:
    """{answer id: its current rating} for one conversation. One query."""
    return {
        rating.message_id: rating
        for rating in Rating.objects.filter(
            assistant_id=assistant_id, conversation_id=conversation_id
        )
    }


def stored_rating_ids(*, assistant_id: int, external_ids: list[str]) -> set[str]:
    """Which of the sender's feedback ids the assistant has stored already. One query."""
    return set(
        Rating.objects.filter(assistant_id=assistant_id, external_id__in=external_ids).values_list(
            "external_id", flat=True
        )
    )


@dataclass(frozen=True)
class Manager:
    name: str
    is_creator: bool


def managers_of(assistant: Assistant) -> list[Manager]:
    """Who reads shared chats and contact details: the creator, then the editors by name.
    One query."""
    people = (
        get_user_model()
        .objects.filter(
            Q(pk=assistant.creator_id)
            | Q(memberships__assistant=assistant, memberships__role=Membership.Role.EDITOR)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    managers = [
        Manager(name=person.get_full_name() or person.get_username(), is_creator=False)
        for person in people
        if person.pk != assistant.creator_id
    ]
    creator = next((p for p in people if p.pk == assistant.creator_id), None)
    if creator is not None:
        managers.insert(
            0, Manager(name=creator.get_full_name() or creator.get_username(), is_creator=True)
        )
    return managers


# --- The Feedback tab ----------------------------------------------------------------------

PAGE_SIZE = 20
# Characters of the rated answer and of the question the tab shows: enough to recognise
# them. Twice as many characters of Markdown are read, as markup takes room.
EXCERPT_CHARACTERS = 300
_EXCERPT_READ = 2 * EXCERPT_CHARACTERS


@dataclass(frozen=True)
class Cursor:
    """Where a page of the Feedback tab continues: after (rated_at, id), newest first."""

    rated_at: datetime
    rating_id: int

    def encode(self) -> str:
        micros = (self.rated_at - _EPOCH) // timedelta(microseconds=1)
        return f"{micros}-{self.rating_id}"

    @classmethod
    def decode(cls, text: str) -> "Cursor | None":
        """The cursor `encode` wrote, or None for anything else. ASCII digits only
        (`str.isdigit` also takes "²"), at most 17 of them for the time (year 5138) and 18
        for the id (a bigint)."""
        match = _CURSOR.fullmatch(text)
        if match is None:
            return None
        micros, rating_id = match.groups()
        return cls(_EPOCH + timedelta(microseconds=int(micros)), int(rating_id))


_CURSOR = re.compile(r"([0-9]{1,17})-([0-9]{1,18})")


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class FeedbackFilters:
    """The Feedback tab's filters (SPEC §4), as its form cleaned them. The counts, the pages
    and the CSV all read ratings through `filtered_ratings`, so they always agree."""

    rating: str | None = None
    has_comment: bool = False
    reason: str | None = None
    status: str | None = None
    version: int | None = None
    q: str = ""
    # Not filters but how `filtered_ratings` reads a search (`planned_search`): in order, and
    # only the days of the range that can hold a rating that passes.
    search_in_order: bool = False
    days: DateRange | None = None

    @property
    def narrows(self) -> bool:
        """Whether a filter other than the rating is set: then the daily counters cannot
        give the counts."""
        return bool(self.has_comment or self.reason or self.status or self.version or self.q)

    def counted_facet(self) -> "CountedFacet | None":
        """The facet rows of `DailyFeedbackFacet` that hold the counts under these filters:
        those of the one filter set other than the rating, the review status and the version
        (a reason, a comment, or a search of one word with a counter, `counted_word`), read
        for the status and the version when they are set too; without such a filter, the
        version's rows or the status's. None when no such rows hold them: a search of
        several words, or two of those filters."""
        word = counted_word(self.q) if self.q else None
        if self.q and not word:
            return None
        labels = self.facet_labels()
        status, version = labels.pop("status", None), labels.pop("version", None)
        if word:
            # Only a comment has words: with a search, "has a comment" leaves out nothing.
            labels.pop("comment", None)
            labels["word"] = word
        if not labels:
            if version is not None:
                return CountedFacet("version", version, status=self.status)
            return CountedFacet("status", status) if status is not None else None
        if len(labels) != 1:
            return None
        ((facet, label),) = labels.items()
        return CountedFacet(facet, label, status=self.status, version=self.version)

    def facet_labels(self) -> dict[str, str]:
        """{facet: label} of `DailyFeedbackFacet` for each filter set but the rating and the
        search: the rows of the ratings that pass it."""
        labels = {
            "comment": "" if self.has_comment else None,
            "reason": self.reason,
            "status": self.status,
            "version": str(self.version) if self.version else None,
        }
        return {facet: label for facet, label in labels.items() if label is not None}

    def query_pairs(self) -> list[tuple[str, str]]:
        """The filters as query-string pairs, for every link that keeps them."""
        pairs = [
            ("rating", self.rating or ""),
            ("has_comment", "1" if self.has_comment else ""),
            ("reason", self.reason or ""),
            ("status", self.status or ""),
            ("version", str(self.version) if self.version else ""),
            ("q", self.q),
        ]
        return [(name, value) for name, value in pairs if value]


@dataclass(frozen=True)
class CountedFacet:
    """One facet's rows (`DailyFeedbackFacet.facet` and `label`), and the review status and
    the version of the ratings they are read for (None: every rating)."""

    facet: str
    label: str
    status: str | None = None
    version: int | None = None

    def rows(self, facets):
        """`facets` (facet rows) narrowed to this facet and version."""
        facets = facets.filter(facet=self.facet, label=self.label)
        return facets.filter(version=self.version) if self.version else facets

    def ratings(self) -> Sum:
        """The sum of the rows' ratings of `status`: each row counts its new and resolved
        ratings, and the reviewed ones are the others."""
        if self.status is None:
            return Sum("ratings")
        if self.status == Rating.Status.NEW:
            return Sum("new")
        if self.status == Rating.Status.RESOLVED:
            return Sum("resolved")
        return Sum(F("ratings") - F("new") - F("resolved"))

    def new(self) -> Sum | Value:
        """The sum of the rows' new ratings of `status`."""
        if self.status in (None, Rating.Status.NEW):
            return Sum("new")
        return Value(0)


def range_pairs(date_range: DateRange) -> list[tuple[str, str]]:
    return [("start", date_range.start.isoformat()), ("end", date_range.end.isoformat())]


def search_words(text: str) -> list[str]:
    """The words of a search as `search_query` looks for them, lower-cased."""
    return re.findall(r"\w+", text.lower())


# A word whose beginnings the word facet counts as the search finds them: ASCII letters and
# digits are one token of PostgreSQL's parser, lower-cased alike by Python and by `simple`.
_COUNTED_WORD = re.compile(f"[a-z0-9]{{1,{WORD_PREFIX_MAX}}}")


def counted_word(text: str) -> str | None:
    """The word of a search of one word when the word facet counts the comments it finds
    (`feedback.facets.word_prefixes`); None for more words, or a word the counters may not
    spell as PostgreSQL does (other letters, more than `WORD_PREFIX_MAX` characters): then
    the ratings are read."""
    words = search_words(text)
    if len(words) != 1 or not _COUNTED_WORD.fullmatch(words[0]):
        return None
    return words[0]


def search_query(text: str) -> SearchQuery | None:
    """The words of `text` as a full-text query over comments: every word must appear, the
    last one as a prefix (so "refu" finds "refund" while typing). None without a word."""
    words = search_words(text)
    if not words:
        return None
    # \w never matches a quote, a colon or an operator, so each word is a plain term.
    terms = [f"'{word}'" for word in words[:-1]] + [f"'{words[-1]}':*"]
    return SearchQuery(" & ".join(terms), search_type="raw", config=SEARCH_CONFIG)


# A search the counters do not answer finds its ratings through the GIN index of the
# comments' words, or by reading the range's comments in order and testing each. On the
# benchmark's 300,000 comments a match fetched through the index costs about 5 µs and a
# comment tested in order 0.3 µs, so reading in order wins once more than one comment in 16
# matches. PostgreSQL cannot tell: it takes words to be independent, and for "menu moved"
# (which come together) expected 1,009 matches of 49,913, fetched them all through the index
# and sorted them to show 21: 850 ms for the page, where reading in order takes 14 ms.
IN_ORDER_SHARE = 16


def planned_search(
    assistant: Assistant, date_range: DateRange, filters: FeedbackFilters
) -> FeedbackFilters:
    """How `filtered_ratings` best reads a search the counters do not answer. No query
    without such a search; one otherwise, on the facet rows of the range.

    - `search_in_order` when even its rarest word (of ASCII letters and digits, whose
      beginnings the word facet counts) begins words of more than one comment of the range
      in `IN_ORDER_SHARE`. A comment the search finds has every word of it, so that word's
      count bounds the matches.
    - `days`: the days from the first to the last that every filter's facet rows (its words',
      its reason's, its version's...) have in the range, as no rating outside them passes. A
      version is rated over the weeks it was live: with it, a search reads those weeks'
      comments, not the year's."""
    if not filters.q or filters.counted_facet() is not None:
        return filters
    beginnings = {
        word[:WORD_PREFIX_MAX]
        for word in search_words(filters.q)
        if _COUNTED_WORD.fullmatch(word[:WORD_PREFIX_MAX])
    }
    keys = {("word", beginning) for beginning in beginnings}
    keys |= set(filters.facet_labels().items())
    if not keys:
        return filters
    wanted = Q(facet="comment", label="")
    for facet, label in keys:
        wanted |= Q(facet=facet, label=label)
    rows = (
        _facets_in(assistant, date_range)
        .filter(wanted)
        .values("facet", "label")
        .annotate(total=Sum("ratings"), first=Min("day"), last=Max("day"))
        .order_by()
        .values_list("facet", "label", "total", "first", "last")
    )
    found = {(facet, label): (total, first, last) for facet, label, total, first, last in rows}
    comments = found.get(("comment", ""), (0,))[0]
    rarest = min((found.get(("word", b), (0,))[0] for b in beginnings), default=0)
    spans = [found.get(key) for key in keys]
    if any(span is None for span in spans):
        # A filter has no rating in the range: no day can hold one that passes.
        days = DateRange(date_range.start, date_range.start - timedelta(days=1))
    else:
        days = DateRange(max(span[1] for span in spans), min(span[2] for span in spans))
    return replace(filters, search_in_order=rarest * IN_ORDER_SHARE > comments, days=days)


def filtered_ratings(assistant: Assistant, date_range: DateRange, filters: FeedbackFilters):
    """The assistant's ratings given in the range that pass every filter but the rating value
    (the tab shows both values side by side), as a queryset. No query until evaluated."""
    first, after_last = (filters.days or date_range).bounds(assistant.tzinfo)
    ratings = Rating.objects.filter(
        assistant=assistant, rated_at__gte=first, rated_at__lt=after_last
    )
    if filters.has_comment:
        ratings = ratings.exclude(comment="")
    if filters.reason:
        # Said outright too, so the partial indexes of the ratings with reasons serve it.
        ratings = ratings.filter(reasons__contains=[filters.reason]).exclude(reasons=[])
    if filters.status:
        ratings = ratings.filter(status=filters.status)
    if filters.version:
        ratings = ratings.filter(version=filters.version)
    if filters.q and (query := search_query(filters.q)) is not None:
        # Only a comment has words: said outright, the partial index of the ratings with a
        # comment (which holds their words) serves the search.
        if filters.search_in_order:
            # The same test as a function call, which the GIN index cannot serve: the
            # comments of the range are read in order and tested.
            ratings = ratings.filter(
                Func(F("search"), query, function="ts_match_vq", output_field=BooleanField())
            )
        else:
            ratings = ratings.filter(search=query)
        if not filters.has_comment:
            ratings = ratings.exclude(comment="")
    return ratings


@dataclass(frozen=True)
class FeedbackItem:
    id: int
    value: str
    rated_at: datetime
    comment: str
    contact_name: str
    contact_email: str
    answer: str
    question: str
    chat_deleted: bool
    share_token: UUID | None
    reasons: list[str]
    version: int
    status: str
    note: str
    reviewed_by: str
    reviewed_at: datetime | None
    reply_url: str
    # Its author's data was erased: an empty comment was a comment.
    text_erased: bool = False

    @property
    def contact_shared(self) -> bool:
        return bool(self.contact_name or self.contact_email)

    @property
    def status_label(self) -> str:
        return Rating.Status(self.status).label

    # Formatted here rather than with the `date` filter: forty of them a page.
    @property
    def when_iso(self) -> str:
        return self.rated_at.isoformat(timespec="seconds")

    @property
    def when_label(self) -> str:
        return self.rated_at.strftime("%b %-d, %Y · %H:%M %Z")

    @property
    def reviewed_label(self) -> str:
        if self.reviewed_at is None:
            return ""
        return self.reviewed_at.strftime("%b %-d, %Y · %H:%M")


@dataclass(frozen=True)
class FeedbackPage:
    items: list[FeedbackItem]
    next_cursor: Cursor | None


@dataclass(frozen=True)
class FeedbackCounts:
    """Ratings in the range that pass the filters, by value, and how many of them are new."""

    positive: int
    negative: int
    new_positive: int
    new_negative: int

    @property
    def new(self) -> int:
        return self.new_positive + self.new_negative

    def of(self, value: str) -> int:
        return self.positive if value == "positive" else self.negative


def feedback_counts(
    assistant: Assistant, date_range: DateRange, filters: FeedbackFilters
) -> FeedbackCounts:
    """How many ratings of each value the range holds under the filters, and how many are new.

    Without a filter beyond the rating value, the totals come from the daily counters and
    the new ones from the facet rows of status "new"; with one filter (`counted_facet`: a
    search of one word counts), alone or with a review status and a version, both come from
    that filter's facet rows (`feedback.facets`): two queries or one, each reading one row
    per day, value, version and facet of the range. A search of more words, or other filters
    combined, cannot be read from counters: then one query counts the ratings that pass. It
    reads the index of the narrowest filter (index-only on `rating_tab_with_comment`,
    `rating_tab_by_status` and `rating_tab_by_version`; the GIN indexes `rating_reasons` /
    `rating_search` and the rows they point to) within the range, so its cost grows with the
    matching ratings of the range, not with all of them; `insights.bench.feedback` measures
    it on an assistant with 1 M ratings.
    """
    facet = filters.counted_facet()
    if not filters.narrows:
        totals = DailyFeedback.objects.filter(
            assistant=assistant, day__gte=date_range.start, day__lte=date_range.end
        ).aggregate(positive=Sum("positive"), negative=Sum("negative"))
        new = _facet_counts(assistant, date_range, CountedFacet("status", Rating.Status.NEW))
        by_value = {
            value: (totals[value] or 0, new.get(value, (0, 0))[1])
            for value in ("positive", "negative")
        }
    elif facet is not None:
        by_value = _facet_counts(assistant, date_range, facet)
    else:
        # Both values, said outright, let PostgreSQL read the indexes that lead with
        # (assistant, value) as two ranges instead of every entry of the assistant.
        rows = (
            filtered_ratings(assistant, date_range, filters)
            .filter(value__in=Rating.Value.values)
            .values("value")
            .annotate(total=Count("id"), new=Count("id", filter=Q(status=Rating.Status.NEW)))
            .order_by()
        )
        by_value = {row["value"]: (row["total"], row["new"]) for row in rows}
    positive, new_positive = by_value.get("positive", (0, 0))
    negative, new_negative = by_value.get("negative", (0, 0))
    return FeedbackCounts(positive, negative, new_positive, new_negative)


def _facets_in(assistant: Assistant, date_range: DateRange, *, with_reason: bool = False):
    """The facet rows of the range: those of every rating of their key, or (`with_reason`)
    those of the ratings of their key that have a reason, one row a reason."""
    rows = DailyFeedbackFacet.objects.filter(
        assistant=assistant, day__gte=date_range.start, day__lte=date_range.end
    )
    return rows.exclude(reason="") if with_reason else rows.filter(reason="")


def _facet_counts(
    assistant: Assistant, date_range: DateRange, facet: CountedFacet
) -> dict[str, tuple[int, int]]:
    """{value: (ratings, new)} of one facet in the range, of its status and version. One query."""
    rows = (
        facet.rows(_facets_in(assistant, date_range))
        .values("value")
        .annotate(total=facet.ratings(), new=facet.new())
        .order_by()
        .values_list("value", "total", "new")
    )
    return {value: (total, new) for value, total, new in rows}


def _reply_url(email: str, assistant_name: str) -> str:
    if not email:
        return ""
    subject = quote(f"Your feedback on {assistant_name}")
    return f"mailto:{quote(email, safe='@')}?subject={subject}"


def _person(first_name: str | None, last_name: str | None, username: str | None) -> str:
    return f"{first_name or ''} {last_name or ''}".strip() or (username or "")


_ITEM_COLUMNS = (
    "id",
    "value",
    "rated_at",
    "comment",
    "contact_name",
    "contact_email",
    "answer_excerpt",
    "question_excerpt",
    "deleted_at",
    "share_token",
    "reasons",
    "version",
    "status",
    "note",
    "reviewed_by__first_name",
    "reviewed_by__last_name",
    "reviewed_by__username",
    "reviewed_at",
    "text_erased_at",
)


def _rows(ratings, *, size: int) -> list[tuple]:
    return list(
        ratings.order_by("-rated_at", "-id")
        .annotate(
            answer_excerpt=Substr("answer", 1, _EXCERPT_READ),
            question_excerpt=Substr("question", 1, _EXCERPT_READ),
            deleted_at=F("conversation__content_deleted_at"),
        )
        .values_list(*_ITEM_COLUMNS)[:size]
    )


def _items(assistant: Assistant, ratings, *, size: int) -> list[FeedbackItem]:
    return _items_of(assistant, _rows(ratings, size=size))


def _items_of(assistant: Assistant, rows: list[tuple]) -> list[FeedbackItem]:
    zone = assistant.tzinfo
    items = []
    for row in rows:
        r = dict(zip(_ITEM_COLUMNS, row, strict=True))
        deleted = r["deleted_at"] is not None
        items.append(
            FeedbackItem(
                id=r["id"],
                value=r["value"],
                rated_at=r["rated_at"].astimezone(zone),
                comment=r["comment"],
                contact_name=r["contact_name"],
                contact_email=r["contact_email"],
                answer=r["answer_excerpt"],
                question=r["question_excerpt"],
                chat_deleted=deleted,
                # A deleted chat's text is gone, so there is nothing left to show.
                share_token=r["share_token"] if not deleted else None,
                reasons=r["reasons"],
                version=r["version"],
                status=r["status"],
                note=r["note"],
                reviewed_by=_person(
                    r["reviewed_by__first_name"],
                    r["reviewed_by__last_name"],
                    r["reviewed_by__username"],
                ),
                reviewed_at=r["reviewed_at"].astimezone(zone) if r["reviewed_at"] else None,
                reply_url=_reply_url(r["contact_email"], assistant.name),
                text_erased=r["text_erased_at"] is not None,
            )
        )
    return items


def feedback_page(
    assistant: Assistant,
    date_range: DateRange,
    *,
    value: str,
    filters: FeedbackFilters = FeedbackFilters(),
    after: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> FeedbackPage:
    """One page of the ratings of one value given in the range that pass the filters, newest
    first, continuing after `after` (keyset: the cost is the same on the first page and the
    thousandth). Times in the reporting zone. Contact details only where shared; a deleted
    chat's answer and question come back empty. One query on the index of the filter
    (`rating_tab_by_value` without one), joining only the page's conversations and
    reviewers."""
    ratings = filtered_ratings(assistant, date_range, filters).filter(value=value)
    if after is not None:
        ratings = ratings.filter(
            Q(rated_at__lt=after.rated_at) | Q(rated_at=after.rated_at, id__lt=after.rating_id)
        )
    rows = _rows(ratings, size=size + 1)
    items = _items_of(assistant, rows[:size])
    next_cursor = None
    if len(rows) > size:
        last = rows[size - 1]
        next_cursor = Cursor(rated_at=last[2], rating_id=last[0])
    return FeedbackPage(items=items, next_cursor=next_cursor)


def feedback_item(assistant: Assistant, rating_id: int) -> FeedbackItem:
    """One item as the tab shows it, after a review; 404 when the assistant has no such
    rating. One query."""
    ratings = Rating.objects.filter(assistant=assistant, pk=rating_id)
    items = _items(assistant, ratings, size=1)
    if not items:
        raise Http404("No such feedback.")
    return items[0]


def shown_values(filters: FeedbackFilters) -> list[str]:
    """The rating values the tab has a column for."""
    return [filters.rating] if filters.rating else ["positive", "negative"]


@dataclass(frozen=True)
class FeedbackColumn:
    """One column of the tab: the ratings of one value, their count under the filters, and
    the query string of its next page (None on the last)."""

    value: str
    count: int
    page: FeedbackPage
    more_query: str | None
    continued: bool

    @property
    def label(self) -> str:
        return "Positive" if self.value == "positive" else "Negative"


def feedback_columns(
    assistant: Assistant,
    date_range: DateRange,
    filters: FeedbackFilters,
    *,
    counts: FeedbackCounts | None,
    after: dict[str, Cursor | None],
    only: str | None = None,
) -> list[FeedbackColumn]:
    """The tab's columns: both values side by side, or the one the rating filter (or
    `only`, a "Show older" request, which needs no counts) names; each continues after its
    cursor in `after`. One query a column, none for a column its count says is empty (a
    reason of one value's list would otherwise walk every rating of the other value)."""
    shown = shown_values(filters)
    if only in shown:
        shown = [only]
    keep = [*range_pairs(date_range), *filters.query_pairs()]
    columns = []
    for value in shown:
        if counts is not None and counts.of(value) == 0:
            page = FeedbackPage(items=[], next_cursor=None)
        else:
            page = feedback_page(
                assistant, date_range, value=value, filters=filters, after=after.get(value)
            )
        more_query = None
        if page.next_cursor:
            more_query = urlencode(
                [*keep, (f"{value}_after", page.next_cursor.encode()), ("column", value)]
            )
        columns.append(
            FeedbackColumn(
                value=value,
                count=counts.of(value) if counts else 0,
                page=page,
                more_query=more_query,
                continued=after.get(value) is not None,
            )
        )
    return columns


@dataclass(frozen=True)
class ReasonCounts:
    """How often each reason was picked, most picked first, for each rating value."""

    positive: list[tuple[str, int]]
    negative: list[tuple[str, int]]

    @property
    def any(self) -> bool:
        return bool(self.positive or self.negative)


def reason_counts(
    assistant: Assistant, date_range: DateRange, filters: FeedbackFilters
) -> ReasonCounts:
    """The reasons picked on the ratings of the range that pass the filters, counted per
    rating value. One query. Without a filter beyond the rating value it sums the reason
    facet rows of the range (`feedback.facets`); with one filter (`counted_facet`, alone or
    with a review status and a version), the rows of that facet with each reason. A search
    of more words, or other filters combined, cannot be read from counters: it reads the
    ratings of the range that have reasons and pass, through the partial index
    `rating_with_reasons` and the filter's, so its cost grows with the reasons picked in the
    range; the benchmark measures it."""
    facet = filters.counted_facet()
    if not filters.narrows or facet is not None:
        if facet is None:
            facets = _facets_in(assistant, date_range).filter(facet="reason")
            reason, total = "label", Sum("ratings")
        else:
            facets = facet.rows(_facets_in(assistant, date_range, with_reason=True))
            reason, total = "reason", facet.ratings()
        if filters.rating:
            facets = facets.filter(value=filters.rating)
        rows = list(
            facets.values("value", reason)
            .annotate(total=total)
            # A reason none of the status's ratings has (its rows count others).
            .filter(total__gt=0)
            .order_by("-total", reason)
            .values_list("value", reason, "total")
        )
        return _reason_counts(rows)
    ratings = filtered_ratings(assistant, date_range, filters).exclude(reasons=[])
    if filters.rating:
        ratings = ratings.filter(value=filters.rating)
    inner, params = ratings.values("value", "reasons").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT r.value, reason, count(*) FROM ({inner}) r, unnest(r.reasons) reason "
            "GROUP BY 1, 2 ORDER BY 3 DESC, 2",
            params,
        )
        return _reason_counts(cursor.fetchall())


# The counts and the reasons of the ratings that pass, in one read of them: each rating once
# with a NULL reason (its count, and whether it is new), then once for each reason it lists.
_COUNTS_AND_REASONS = """
SELECT value, reason, count(*), count(*) FILTER (WHERE status = 'new')
FROM (
    SELECT r.value, r.status, unnest(array_prepend(NULL::varchar, r.reasons)) AS reason
    FROM ({inner}) r
) picked
GROUP BY 1, 2 ORDER BY 3 DESC, 2
"""


def feedback_summary(
    assistant: Assistant, date_range: DateRange, filters: FeedbackFilters
) -> tuple[FeedbackCounts, ReasonCounts]:
    """`feedback_counts` and `reason_counts` at once, as the tab shows them. From the
    counters (three queries, or two) unfiltered and under one filter (`counted_facet`, which
    takes a search of one word), alone or with a review status and a version; otherwise one
    query that
    reads the ratings that pass once for both: through the index of the narrowest filter,
    and with a search through
    `rating_tab_with_comment`, index-only (it holds what the counts, the reasons and the
    search read), or the GIN index of the comments' words when the word counters show few
    matches (`planned_search`)."""
    if not filters.narrows or filters.counted_facet() is not None:
        return (
            feedback_counts(assistant, date_range, filters),
            reason_counts(assistant, date_range, filters),
        )
    ratings = filtered_ratings(assistant, date_range, filters).filter(value__in=Rating.Value.values)
    inner, params = ratings.values("value", "status", "reasons").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_AND_REASONS.format(inner=inner), params)
        rows = cursor.fetchall()
    by_value = {value: (total, new) for value, reason, total, new in rows if reason is None}
    positive, new_positive = by_value.get("positive", (0, 0))
    negative, new_negative = by_value.get("negative", (0, 0))
    picked = [
        (value, reason, total)
        for value, reason, total, _ in rows
        if reason is not None and filters.rating in (None, value)
    ]
    return (
        FeedbackCounts(positive, negative, new_positive, new_negative),
        _reason_counts(picked),
    )


def _reason_counts(rows: list[tuple[str, str, int]]) -> ReasonCounts:
    return ReasonCounts(
        positive=[(reason, n) for value, reason, n in rows if value == "positive"],
        negative=[(reason, n) for value, reason, n in rows if value == "negative"],
    )


def reason_lists(assistant_id: int) -> dict[str, list[str]]:
    """{"positive": [...], "negative": [...]}: the reasons raters may pick now, in order (the
    defaults of SPEC §5 until the lists are edited). One query."""
    lists = ReasonLists.objects.filter(assistant_id=assistant_id).first()
    if lists is None:
        return {value: list(labels) for value, labels in DEFAULT_REASONS.items()}
    return {"positive": list(lists.positive), "negative": list(lists.negative)}


def versions_rated(assistant: Assistant) -> list[int]:
    """The configuration version numbers an answer can belong to, newest first, for the
    version filter. One query."""
    numbers = list(
        ConfigurationVersion.objects.filter(assistant=assistant)
        .order_by("-number")
        .values_list("number", flat=True)
    )
    return numbers or [1]


# --- Shared chats --------------------------------------------------------------------------


@dataclass(frozen=True)
class SharedChat:
    rating: Rating
    messages: list[Message]

    @property
    def shared_by(self) -> str | None:
        """The contact name or e-mail when the author shared them, else None (anonymous)."""
        return self.rating.contact_name or self.rating.contact_email or None


def shared_chat(assistant: Assistant, token: UUID) -> SharedChat:
    """The conversation as it was when shared: its messages up to the share time, oldest
    first. 404 once withdrawn or deleted. Two queries."""
    rating = _first_with_conversation(
        Rating.objects.filter(
            assistant=assistant,
            share_token=token,
            conversation__content_deleted_at__isnull=True,
        ),
        missing="This chat is not shared.",
    )
    messages = list(
        Message.objects.filter(
            assistant=assistant,
            conversation_id=rating.conversation_id,
            created_at__lte=rating.chat_shared_at,
        ).order_by("created_at", "id")
    )
    return SharedChat(rating=rating, messages=messages)
