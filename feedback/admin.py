from django.contrib import admin

from assistants.lib.admin import DailyCounterAdmin, ReadOnlyEventAdmin
from feedback.models import (
    DailyFeedback,
    DailyFeedbackFacet,
    Rating,
    ReasonLists,
    VersionFeedback,
)


@admin.register(DailyFeedback)
class DailyFeedbackAdmin(DailyCounterAdmin):
    list_display = ["assistant", "day", "positive", "negative"]


@admin.register(VersionFeedback)
class VersionFeedbackAdmin(DailyCounterAdmin):
    list_display = ["assistant", "day", "source", "version", "model", "positive", "negative"]
    list_filter = ["source"]


@admin.register(DailyFeedbackFacet)
class DailyFeedbackFacetAdmin(DailyCounterAdmin):
    list_display = ["assistant", "day", "value", "facet", "label", "ratings", "new"]
    list_filter = ["facet", "value"]


@admin.register(Rating)
class RatingAdmin(ReadOnlyEventAdmin):
    list_display = [
        "id",
        "assistant",
        "value",
        "rated_at",
        "status",
        "share_contact",
        "chat_shared_at",
    ]
    list_filter = ["value", "status", "share_contact"]
    # Exact look-ups only: a substring search over millions of ratings would scan them all.
    search_fields = ["=id", "=external_id", "=message__id"]
    list_select_related = ["assistant"]
    raw_id_fields = ["assistant", "message", "conversation", "participant", "reviewed_by"]
    ordering = ["-id"]


@admin.register(ReasonLists)
class ReasonListsAdmin(admin.ModelAdmin):
    list_display = ["assistant", "updated_by", "updated_at"]
    search_fields = ["assistant__name"]
    list_select_related = ["assistant", "updated_by"]
    raw_id_fields = ["assistant", "updated_by"]
