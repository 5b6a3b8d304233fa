from django.urls import path

from assistants import api_key_views, chat_views, privacy_views, views

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

# The chat (assistants/chat_views.py).
urlpatterns += [
    path("<int:assistant_id>/chat/", chat_views.chat_new, name="chat"),
    path("<int:assistant_id>/chat/send/", chat_views.chat_send, name="chat_send"),
    path(
        "<int:assistant_id>/chat/<int:conversation_id>/",
        chat_views.conversation_detail,
        name="conversation",
    ),
    path(
        "<int:assistant_id>/chat/<int:conversation_id>/reply/",
        chat_views.chat_reply,
        name="chat_reply",
    ),
    path(
        "<int:assistant_id>/chat/<int:conversation_id>/delete/",
        chat_views.conversation_delete,
        name="conversation_delete",
    ),
]

# Privacy (assistants/privacy_views.py).
urlpatterns += [
    path("<int:assistant_id>/my-data/delete/", privacy_views.delete_my_data, name="delete_my_data"),
    path(
        "<int:assistant_id>/settings/retention/",
        privacy_views.retention_settings,
        name="retention",
    ),
]

# The creator's API keys, under /assistants/<id>/api-keys/ in their own namespace `api_keys`
# (included by insights.urls, beside the events API they are for).
api_key_patterns = [
    path("", api_key_views.api_keys, name="list"),
    path("<int:key_id>/revoke/", api_key_views.api_key_revoke, name="revoke"),
    # A person the events API named, erased by the creator.
    path("erase-person/", privacy_views.erase_api_person, name="erase_person"),
]
