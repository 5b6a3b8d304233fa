from django.urls import path

from assistants import views

app_name = "assistants"

urlpatterns = [
    path("", views.assistant_list, name="list"),
    path("new/", views.assistant_create, name="create"),
    path("<int:assistant_id>/", views.assistant_detail, name="detail"),
    path("<int:assistant_id>/settings/", views.assistant_settings, name="settings"),
    path("<int:assistant_id>/share/", views.assistant_share, name="share"),
    path(
        "<int:assistant_id>/share/<int:user_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
]
