from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from assistants import services
from assistants.lib.admin import DailyCounterAdmin, ReadOnlyEventAdmin
from assistants.models import (
    ApiKey,
    Assistant,
    ConfigurationVersion,
    Conversation,
    DailyActiveUser,
    DailyAnswerStats,
    DailyPeople,
    DailyUsage,
    FailedReply,
    Membership,
    Message,
    ModelPrice,
    Participant,
    RateLimitWindow,
    UsageTotals,
)


@admin.register(Assistant)
class AssistantAdmin(admin.ModelAdmin):
    list_display = ["name", "creator", "model", "time_zone", "created_at"]
    list_filter = ["model", "time_zone"]
    search_fields = ["name", "creator__username", "creator__email"]
    raw_id_fields = ["creator"]
    # Configuration changes go through the app so that each one is versioned.
    readonly_fields = ["name", "description", "instructions", "model", "time_zone", "members"]

    # Members are not an inline: an assistant may have hundreds, each a form row of its own.
    # They are listed, searched and edited in the Membership admin, filtered to this one.
    @admin.display(description="members")
    def members(self, assistant: Assistant) -> str:
        url = reverse("admin:assistants_membership_changelist")
        count = assistant.memberships.count()
        return format_html(
            '<a href="{}?assistant__id__exact={}">{} member{} (editors and users)</a>',
            url,
            assistant.pk,
            count,
            pluralize(count),
        )

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


def _confirm_erasure(modeladmin, request, queryset, *, title: str, people: list[str]):
    """Django admin's intermediate page: what is erased and what stays, then a confirm."""
    return TemplateResponse(
        request,
        "admin/assistants/erase_confirmation.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "people": people,
            "queryset": queryset,
            "action": request.POST["action"],
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
        },
    )


def _may_erase(request) -> bool:
    return request.user.has_perm("assistants.change_participant")


def _erased_text(erased: dict[str, int]) -> str:
    return services.erased_summary(erased) or "nothing"


@admin.register(Participant)
class ParticipantAdmin(ReadOnlyEventAdmin):
    list_display = [
        "id",
        "assistant",
        "user",
        "external_id",
        "first_message_at",
        "content_erased_at",
    ]
    search_fields = ["=external_id", "user__username"]
    list_select_related = ["assistant", "user"]
    actions = ["erase_text"]

    def has_erase_permission(self, request) -> bool:
        return _may_erase(request)

    @admin.action(
        description="Erase the selected people's text on their assistant", permissions=["erase"]
    )
    def erase_text(self, request, queryset):
        queryset = queryset.select_related("assistant", "user")
        if request.POST.get("confirmed") != "yes":
            return _confirm_erasure(
                self,
                request,
                queryset,
                title="Erase these people's text?",
                people=[
                    f"{p.user or p.external_id or f'participant {p.pk}'} on “{p.assistant}”"
                    for p in queryset
                ],
            )
        for participant in queryset:
            erased = services.erase_person_content(
                assistant=participant.assistant, participant=participant
            )
            self.message_user(
                request,
                f"Participant {participant.pk} on “{participant.assistant}”: erased "
                f"{_erased_text(erased)}.",
                messages.SUCCESS,
            )
        return None


@admin.register(Conversation)
class ConversationAdmin(ReadOnlyEventAdmin):
    list_display = ["id", "assistant", "title", "created_at", "first_message_at", "last_message_at"]
    search_fields = ["=id", "=external_id"]
    list_select_related = ["assistant"]
    raw_id_fields = ["assistant", "participant"]


class ConversationEventAdmin(ReadOnlyEventAdmin):
    """Events of a conversation (messages, failed replies): millions of rows, newest first."""

    # Exact look-ups only: a substring search over millions of messages would scan them all.
    search_fields = ["=id", "=external_id", "=conversation__id"]
    raw_id_fields = ["assistant", "conversation"]
    ordering = ["-id"]


@admin.register(Message)
class MessageAdmin(ConversationEventAdmin):
    list_display = ["id", "assistant_id", "conversation_id", "role", "created_at"]
    list_filter = ["role"]


@admin.register(DailyUsage)
class DailyUsageAdmin(DailyCounterAdmin):
    list_display = [
        "assistant",
        "day",
        "active_users",
        "conversations",
        "user_messages",
        "assistant_messages",
    ]


@admin.register(DailyActiveUser)
class DailyActiveUserAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant_id", "day", "participant_id"]
    search_fields = ["=assistant__id"]


@admin.register(DailyPeople)
class DailyPeopleAdmin(ReadOnlyEventAdmin):
    list_display = [
        "assistant_id",
        "day",
        "source",
        "active_users",
        "new_users",
        "returned_users",
        "weekly_active_users",
        "monthly_active_users",
    ]
    list_filter = ["source"]
    search_fields = ["=assistant__id"]
    date_hierarchy = "day"


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


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    """Django's user admin, with erasing a person's text on every assistant at once."""

    actions = ["erase_text_everywhere"]

    def has_erase_permission(self, request) -> bool:
        return _may_erase(request)

    @admin.action(
        description="Erase the selected people's text on every assistant", permissions=["erase"]
    )
    def erase_text_everywhere(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return _confirm_erasure(
                self,
                request,
                queryset,
                title="Erase these people's text on every assistant?",
                people=[f"{user.get_username()} on every assistant" for user in queryset],
            )
        for user in queryset:
            erased = services.erase_person_everywhere(user=user)
            self.message_user(
                request,
                f"{user.get_username()}: erased on {len(erased)} assistant(s): "
                + (
                    "; ".join(
                        f"“{assistant}”: {_erased_text(what)}" for assistant, what in erased.items()
                    )
                    or "nothing"
                )
                + ".",
                messages.SUCCESS,
            )
        return None


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
class FailedReplyAdmin(ConversationEventAdmin):
    list_display = ["id", "assistant_id", "conversation_id", "model", "created_at", "error"]


@admin.register(DailyAnswerStats)
class DailyAnswerStatsAdmin(ReadOnlyEventAdmin):
    list_display = [
        "assistant_id",
        "day",
        "source",
        "version",
        "model",
        "answers",
        "answers_with_latency",
        "failed_replies",
        "cost_usd",
        "unpriced_answers",
        "latency_first_bucket",
    ]
    search_fields = ["=assistant__id", "model"]
    date_hierarchy = "day"
