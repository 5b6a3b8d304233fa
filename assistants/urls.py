from django.urls import include, path

from assistants import api_key_views, chat_views, privacy_views, views

app_name = "assistants"

# The chat (assistants/chat_views.py), under /assistants/<assistant_id>/chat/.
chat_patterns = [
    path("", chat_views.chat_new, name="chat"),
    path("send/", chat_views.chat_send, name="chat_send"),
    path("<int:conversation_id>/", chat_views.conversation_detail, name="conversation"),
    path("<int:conversation_id>/reply/", chat_views.chat_reply, name="chat_reply"),
    path(
        "<int:conversation_id>/delete/",
        chat_views.conversation_delete,
        name="conversation_delete",
    ),
]

# The pages of one assistant, under /assistants/<assistant_id>/.
assistant_patterns = [
    path("", views.assistant_detail, name="detail"),
    path("settings/", views.assistant_settings, name="settings"),
    path("share/", views.assistant_share, name="share"),
    path("share/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("chat/", include(chat_patterns)),
    # Privacy (assistants/privacy_views.py).
    path("my-data/delete/", privacy_views.delete_my_data, name="delete_my_data"),
    path("settings/retention/", privacy_views.retention_settings, name="retention"),
]

urlpatterns = [
    path("", views.assistant_list, name="list"),
    path("new/", views.assistant_create, name="create"),
    path("<int:assistant_id>/", include(assistant_patterns)),
]

# The creator's API keys, under /assistants/<id>/api-keys/ in their own namespace `api_keys`
# (included by insights.urls, beside the events API they are for).
api_key_patterns = [
    path("", api_key_views.api_keys, name="list"),
    path("<int:key_id>/revoke/", api_key_views.api_key_revoke, name="revoke"),
    # A person the events API named, erased by the creator.
    path("erase-person/", privacy_views.erase_api_person, name="erase_person"),
]
