from django.contrib import admin, messages

from assistants.lib.admin import ReadOnlyEventAdmin
from assistants.models import (
    ApiKey,
    Assistant,
    ConfigurationVersion,
    Conversation,
    DailyActiveUser,
    DailyAnswerStats,
    DailyLatencyBucket,
    DailyUsage,
    FailedReply,
    Membership,
    Message,
    ModelPrice,
    Participant,
    RateLimitWindow,
    UsageTotals,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Assistant)
class AssistantAdmin(admin.ModelAdmin):
    list_display = ["name", "creator", "model", "time_zone", "created_at"]
    list_filter = ["model", "time_zone"]
    search_fields = ["name", "creator__username", "creator__email"]
    raw_id_fields = ["creator"]
    inlines = [MembershipInline]
    # Configuration changes go through the app so that each one is versioned.
    readonly_fields = ["name", "description", "instructions", "model", "time_zone"]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["assistant", "user", "role", "added_at"]
    list_filter = ["role"]
    search_fields = ["assistant__name", "user__username", "user__email"]
    raw_id_fields = ["assistant", "user"]
    list_select_related = ["assistant", "user"]


@admin.register(ConfigurationVersion)
class ConfigurationVersionAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant", "number", "changed_fields", "changed_by", "changed_at"]
    search_fields = ["assistant__name"]
    list_select_related = ["assistant", "changed_by"]


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyEventAdmin):
    list_display = ["id", "assistant", "user", "external_id", "first_message_at"]
    search_fields = ["=external_id", "user__username"]
    list_select_related = ["assistant", "user"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyEventAdmin):
    list_display = ["id", "assistant", "title", "created_at", "first_message_at", "last_message_at"]
    search_fields = ["=id", "=external_id"]
    list_select_related = ["assistant"]
    raw_id_fields = ["assistant", "participant"]


@admin.register(Message)
class MessageAdmin(ReadOnlyEventAdmin):
    list_display = ["id", "assistant_id", "conversation_id", "role", "created_at"]
    list_filter = ["role"]
    # Exact look-ups only: a substring search over millions of messages would scan them all.
    search_fields = ["=id", "=external_id", "=conversation__id"]
    raw_id_fields = ["assistant", "conversation"]
    ordering = ["-id"]


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyEventAdmin):
    list_display = [
        "assistant",
        "day",
        "active_users",
        "conversations",
        "user_messages",
        "assistant_messages",
    ]
    search_fields = ["assistant__name"]
    list_select_related = ["assistant"]
    date_hierarchy = "day"


@admin.register(DailyActiveUser)
class DailyActiveUserAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant_id", "day", "participant_id"]
    search_fields = ["=assistant__id"]


@admin.register(UsageTotals)
class UsageTotalsAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant", "users", "conversations", "messages"]
    search_fields = ["assistant__name"]
    list_select_related = ["assistant"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created in the app (the full key is shown once there); admins may rename,
    revoke or change the rate limit, never see or set the secret."""

    list_display = ["name", "prefix", "assistant", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "=prefix", "assistant__name"]
    list_select_related = ["assistant"]
    readonly_fields = [
        "assistant",
        "prefix",
        "secret_hash",
        "created_by",
        "created_at",
        "last_used_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(RateLimitWindow)
class RateLimitWindowAdmin(ReadOnlyEventAdmin):
    list_display = ["key", "window_start", "hits"]
    search_fields = ["key"]

    # An admin may lift a limit early by deleting its window.
    def has_delete_permission(self, request, obj=None) -> bool:
        return True


@admin.register(ModelPrice)
class ModelPriceAdmin(admin.ModelAdmin):
    """Prices per model name. An answer is costed when it is counted, with the price in force
    at its timestamp; a change here re-costs answers already counted only at the next
    `manage.py rebuild_insights`, which the message after saving says."""

    list_display = ["model", "effective_from", "input_usd_per_million", "output_usd_per_million"]
    search_fields = ["model"]
    date_hierarchy = "effective_from"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        messages.info(
            request,
            f"Answers counted from now on are costed with this price. Answers of {obj.model} "
            "already counted keep their cost until `manage.py rebuild_insights` re-costs them.",
        )


@admin.register(FailedReply)
class FailedReplyAdmin(ReadOnlyEventAdmin):
    list_display = ["id", "assistant_id", "conversation_id", "model", "created_at", "error"]
    search_fields = ["=id", "=external_id", "=conversation__id"]
    raw_id_fields = ["assistant", "conversation"]
    ordering = ["-id"]


@admin.register(DailyAnswerStats)
class DailyAnswerStatsAdmin(ReadOnlyEventAdmin):
    list_display = [
        "assistant_id",
        "day",
        "source",
        "version",
        "model",
        "answers",
        "failed_replies",
        "cost_usd",
        "unpriced_answers",
    ]
    search_fields = ["=assistant__id", "model"]
    date_hierarchy = "day"


@admin.register(DailyLatencyBucket)
class DailyLatencyBucketAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant_id", "day", "source", "version", "model", "bucket", "answers"]
    search_fields = ["=assistant__id", "model"]
