from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from assistants.urls import api_key_patterns
from feedback import views as feedback_views
from insights import api_docs, impact_views, views
from insights.api import api

insights_patterns = [
    path("", views.analytics, name="analytics"),
    path("analytics.csv", views.analytics_csv, name="analytics_csv"),
    path("people.csv", views.people_csv, name="people_csv"),
    path("feedback/", feedback_views.feedback_tab, name="feedback"),
    path("feedback.csv", feedback_views.feedback_csv, name="feedback_csv"),
    path("shared-chats/<uuid:token>/", feedback_views.shared_chat, name="shared_chat"),
    path("changes/<int:number>/", impact_views.change_impact, name="change_impact"),
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
    path("assistants/<int:assistant_id>/feedback/", include("feedback.urls")),
    path(
        "assistants/<int:assistant_id>/api-keys/",
        include((api_key_patterns, "api_keys")),
    ),
    path("api/v1/docs/", api_docs.docs, name="api-docs"),
    path("api/v1/", api.urls),
]
