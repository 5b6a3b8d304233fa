from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from insights import views

insights_patterns = [
    path("", views.analytics, name="analytics"),
    path("analytics.csv", views.analytics_csv, name="analytics_csv"),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="assistants:list", permanent=False)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("assistants/", include("assistants.urls")),
    path(
        "assistants/<int:assistant_id>/insights/",
        include((insights_patterns, "insights")),
    ),
]
