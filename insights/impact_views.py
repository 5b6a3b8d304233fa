"""The impact page of one configuration change: `/assistants/<id>/insights/changes/<n>/`."""

from django import forms
from django.http import Http404
from django.shortcuts import render

from assistants.lib.pages import assistant_view
from assistants.models import ConfigurationVersion
from assistants.selectors import Need
from insights.diff import configuration_diff
from insights.forms import Source
from insights.impact import DEFAULT_WINDOW, WINDOWS, impact_of
from insights.impact_charts import overlay_figure


class ImpactForm(forms.Form):
    """`?window=7|14|28&source=all|app|api`; a bad value falls back to its default."""

    window = forms.TypedChoiceField(
        required=False, coerce=int, choices=[(str(w), f"{w} days") for w in WINDOWS]
    )
    source = forms.ChoiceField(required=False, choices=[(s, s) for s in Source.CHOICES])

    def _chosen(self, name: str):
        self.is_valid()  # a bad field leaves the others' values in `cleaned_data`
        return self.cleaned_data.get(name)

    def chosen_window(self) -> int:
        return self._chosen("window") or DEFAULT_WINDOW

    def chosen_source(self) -> str:
        return self._chosen("source") or Source.ALL


def version_with_previous(
    assistant, number: int
) -> tuple[ConfigurationVersion, ConfigurationVersion | None]:
    """Version `number` of the assistant and the one before it (None for version 1); 404
    when there is no such version. One query."""
    pair = {
        version.number: version
        for version in ConfigurationVersion.objects.filter(
            assistant=assistant, number__in=[number - 1, number]
        ).select_related("changed_by")
    }
    if number not in pair:
        raise Http404("This assistant has no such version.")
    return pair[number], pair.get(number - 1)


@assistant_view(need=Need.MANAGE, methods=("GET",))
def change_impact(request, access, number: int):
    assistant = access.assistant
    form = ImpactForm(request.GET)
    window, source = form.chosen_window(), form.chosen_source()
    version, previous = version_with_previous(assistant, number)
    impact = impact_of(assistant, number, window=window, source=source)
    context = {
        "access": access,
        "assistant": assistant,
        "form": form,
        "version": version,
        "changed_at": version.changed_at.astimezone(assistant.tzinfo),
        "time_zone": assistant.time_zone,
        "diff": configuration_diff(previous, version),
        "impact": impact,
        "windows": WINDOWS,
        "window": window,
        "source": source,
        "sources": [(s, Source.LABELS[s]) for s in Source.CHOICES],
        "source_label": Source.LABELS[source],
        "figure": overlay_figure(impact) if impact else None,
    }
    return render(request, "insights/impact.html", context)
