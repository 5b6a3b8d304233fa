"""Admin lists that stay fast on tables of millions of rows."""

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.utils.functional import cached_property


class EstimatedCountPaginator(Paginator):
    """Uses PostgreSQL's row estimate for an unfiltered table instead of COUNT(*)."""

    @cached_property
    def count(self) -> int:
        query = self.object_list.query
        if query.where:
            return super().count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                [self.object_list.model._meta.db_table],
            )
            estimate = cursor.fetchone()[0]
        # A table never analysed reports -1; small tables are cheap to count exactly.
        return estimate if estimate > 100_000 else super().count


class ReadOnlyEventAdmin(admin.ModelAdmin):
    """Events and counters are written by the app's services only; admins read them."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 50

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class DailyCounterAdmin(ReadOnlyEventAdmin):
    """A daily counter's rows, found by assistant name and listed with it, browsed by day."""

    search_fields = ["assistant__name"]
    list_select_related = ["assistant"]
    date_hierarchy = "day"
