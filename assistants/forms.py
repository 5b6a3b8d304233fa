import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q

from assistants.models import MAX_RETENTION_DAYS, Assistant, Membership


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ConfigurationForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label="Reporting time zone",
        choices=time_zone_choices,
        help_text="Every “day” in Usage Insights is a calendar day in this zone.",
    )

    class Meta:
        model = Assistant
        fields = ["name", "description", "instructions", "model", "time_zone"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "instructions": forms.Textarea(attrs={"rows": 6}),
        }


class AddMemberForm(forms.Form):
    person = forms.CharField(
        label="Username or e-mail",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.USER)

    def __init__(self, *args, assistant: Assistant, **kwargs):
        super().__init__(*args, **kwargs)
        self.assistant = assistant

    def clean_person(self):
        value = self.cleaned_data["person"].strip()
        matches = list(
            get_user_model().objects.filter(
                Q(username__iexact=value) | Q(email__iexact=value), is_active=True
            )[:2]
        )
        if len(matches) != 1:
            raise forms.ValidationError("No single account has that username or e-mail.")
        person = matches[0]
        if person.pk == self.assistant.creator_id:
            raise forms.ValidationError("That is the creator, who already has every right.")
        return person


class RetentionForm(forms.ModelForm):
    """How long the assistant keeps chat text; a configuration field of its own section."""

    class Meta:
        model = Assistant
        fields = ["retention_days"]
        labels = {"retention_days": "Keep chat text for (days)"}
        help_texts = {"retention_days": "Leave empty to keep chat text forever."}
        widgets = {
            "retention_days": forms.NumberInput(
                attrs={"min": 1, "max": MAX_RETENTION_DAYS, "placeholder": "Forever"}
            )
        }


class ApiPersonForm(forms.Form):
    user = forms.CharField(
        label="User string",
        max_length=255,
        strip=False,
        help_text="The “user” of their events, exactly as your front end sends it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
