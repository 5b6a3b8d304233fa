from django import forms

from feedback.models import COMMENT_MAX_LENGTH, Rating
from feedback.selectors import Cursor


class RateForm(forms.Form):
    value = forms.ChoiceField(choices=Rating.Value.choices)


class DetailsForm(forms.Form):
    comment = forms.CharField(
        label="Comment (optional)",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "What was good or missing?"}),
    )
    share_contact = forms.BooleanField(label="Share my name and e-mail", required=False)
    contact_name = forms.CharField(label="Name", required=False, max_length=150)
    contact_email = forms.EmailField(label="E-mail", required=False)
    share_chat = forms.BooleanField(
        label="Share this chat with the people who manage this assistant", required=False
    )

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
        "share_contact": shared,
        "contact_name": rating.contact_name if shared else user.get_full_name(),
        "contact_email": rating.contact_email if shared else user.email,
        "share_chat": rating.chat_shared if rating else False,
    }


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


class FeedbackFilterForm(forms.Form):
    """The Feedback tab's filters and page positions (the timeframe has its own form)."""

    rating = forms.ChoiceField(choices=RATING_FILTER_CHOICES, required=False)
    has_comment = forms.BooleanField(required=False)
    positive_after = CursorField(required=False)
    negative_after = CursorField(required=False)
    column = forms.ChoiceField(choices=Rating.Value.choices, required=False)

    def value(self, name: str):
        """The field's clean value, or None when it is missing or bad (other fields still
        count: one bad parameter does not drop every filter)."""
        self.is_valid()
        return self.cleaned_data.get(name)


class FeedbackCsvForm(forms.Form):
    rating = forms.ChoiceField(choices=RATING_FILTER_CHOICES, required=False)
