from django.contrib import admin

from assistants.admin_paging import ReadOnlyEventAdmin
from feedback.models import DailyFeedback


@admin.register(DailyFeedback)
class DailyFeedbackAdmin(ReadOnlyEventAdmin):
    list_display = ["assistant", "day", "positive", "negative"]
    search_fields = ["assistant__name"]
    list_select_related = ["assistant"]
    date_hierarchy = "day"
