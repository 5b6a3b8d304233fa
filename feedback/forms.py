from django import forms

from feedback.models import (
    COMMENT_MAX_LENGTH,
    CONTACT_NAME_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REASONS_PER_LIST,
    Rating,
)
from feedback.selectors import Cursor, FeedbackFilters

# The longest search the tab accepts: a comment is at most COMMENT_MAX_LENGTH characters,
# and nobody types a paragraph into a search box.
SEARCH_MAX_LENGTH = 200


class RateForm(forms.Form):
    value = forms.ChoiceField(choices=Rating.Value.choices)


class DetailsForm(forms.Form):
    """What a rater adds after a rating. `reasons` offers the assistant's list for the
    rating's value, plus the reasons the rating already has (a reason removed from the list
    stays until its author unticks it)."""

    comment = forms.CharField(required=False, max_length=COMMENT_MAX_LENGTH)
    reasons = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)
    share_contact = forms.BooleanField(required=False)
    contact_name = forms.CharField(required=False, max_length=CONTACT_NAME_MAX_LENGTH)
    contact_email = forms.EmailField(required=False)
    share_chat = forms.BooleanField(required=False)

    def __init__(self, *args, reasons: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reasons"].choices = [(label, label) for label in reasons]

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("share_contact")
            and not cleaned.get("contact_name", "").strip()
            and not cleaned.get("contact_email", "").strip()
            and "contact_email" not in self.errors
        ):
            self.add_error(
                "contact_name",
                "Enter the name or e-mail to share, or untick “Share my name and e-mail”.",
            )
        return cleaned


def details_initial(user, rating: Rating | None) -> dict:
    """The form as last saved, with the account's name and e-mail offered for sharing."""
    shared = rating is not None and rating.share_contact
    return {
        "comment": rating.comment if rating else "",
        "reasons": list(rating.reasons) if rating else [],
        "share_contact": shared,
        "contact_name": rating.contact_name if shared else user.get_full_name(),
        "contact_email": rating.contact_email if shared else user.email,
        "share_chat": rating.chat_shared if rating else False,
    }


def reasons_offered(lists: dict[str, list[str]], rating: Rating | None) -> list[str]:
    """The reasons a rater may tick for this rating: its value's list, then any the rating
    keeps from an older list."""
    if rating is None:
        return []
    offered = list(lists.get(rating.value, []))
    return offered + [reason for reason in rating.reasons if reason not in offered]


class CursorField(forms.Field):
    def to_python(self, value):
        text = (value or "").strip()
        if not text:
            return None
        cursor = Cursor.decode(text[:40])
        if cursor is None:
            raise forms.ValidationError("This page link is broken; start from the newest.")
        return cursor


RATING_FILTER_CHOICES = [("", "All ratings"), *Rating.Value.choices]
STATUS_FILTER_CHOICES = [("", "Any status"), *Rating.Status.choices]


class FeedbackFilterForm(forms.Form):
    """The Feedback tab's and the feedback CSV's filters (the timeframe has its own form)."""

    rating = forms.ChoiceField(choices=RATING_FILTER_CHOICES, required=False)
    has_comment = forms.BooleanField(required=False)
    reason = forms.CharField(required=False, max_length=REASON_MAX_LENGTH)
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False)
    # At most PostgreSQL's integer, which the filter's raw count statements cannot exceed.
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    q = forms.CharField(required=False, max_length=SEARCH_MAX_LENGTH)

    def filters(self) -> FeedbackFilters:
        """The filters that are valid (the tab keeps the others out rather than failing: one
        bad parameter does not drop every filter)."""
        self.is_valid()
        data = self.cleaned_data
        return FeedbackFilters(
            rating=data.get("rating") or None,
            has_comment=bool(data.get("has_comment")),
            reason=(data.get("reason") or "").strip() or None,
            status=data.get("status") or None,
            version=data.get("version") or None,
            q=(data.get("q") or "").strip(),
        )

    def error_text(self) -> str:
        return " ".join(f"{name}: {' '.join(errors)}" for name, errors in self.errors.items())


class FeedbackPageForm(FeedbackFilterForm):
    """The filters and the tab's page positions."""

    positive_after = CursorField(required=False)
    negative_after = CursorField(required=False)
    column = forms.ChoiceField(choices=Rating.Value.choices, required=False)

    def value(self, name: str):
        self.is_valid()
        return self.cleaned_data.get(name)


class ReviewForm(forms.Form):
    status = forms.ChoiceField(choices=Rating.Status.choices)
    note = forms.CharField(required=False, max_length=NOTE_MAX_LENGTH)


# "Mark all shown as reviewed" sends the ids on screen: a few pages of items at most.
MARK_REVIEWED_MAX = 1000


class RatingIdsField(forms.Field):
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        texts = [str(text).strip() for text in (value or [])]
        if len(texts) > MARK_REVIEWED_MAX or not all(text.isdigit() for text in texts):
            raise forms.ValidationError("These items cannot be marked; reload the page.")
        return [int(text) for text in texts]


class MarkReviewedForm(forms.Form):
    id = RatingIdsField(required=False)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ReasonListsForm(forms.Form):
    """The two reason lists, one reason a line."""

    positive = forms.CharField(
        label="After thumbs up",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One reason a line.",
    )
    negative = forms.CharField(
        label="After thumbs down",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="One reason a line.",
    )

    def _clean_list(self, name: str) -> list[str]:
        labels = list(dict.fromkeys(_lines(self.cleaned_data[name])))
        if len(labels) > REASONS_PER_LIST:
            raise forms.ValidationError(f"At most {REASONS_PER_LIST} reasons.")
        long = [label for label in labels if len(label) > REASON_MAX_LENGTH]
        if long:
            raise forms.ValidationError(
                f"“{long[0][:20]}…” is longer than {REASON_MAX_LENGTH} characters."
            )
        return labels

    def clean_positive(self):
        return self._clean_list("positive")

    def clean_negative(self):
        return self._clean_list("negative")
