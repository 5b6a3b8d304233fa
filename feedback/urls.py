"""The chat's rating controls, under /assistants/<id>/feedback/ (the Feedback tab, its CSV and
shared chats are in `insights.urls` with the rest of Usage Insights)."""

from django.urls import path

from feedback import views

app_name = "feedback"

urlpatterns = [
    path("answers/<int:message_id>/rate/", views.rate, name="rate"),
    path("answers/<int:message_id>/details/", views.details, name="details"),
    path(
        "answers/<int:message_id>/withdraw-contact/",
        views.withdraw_contact,
        name="withdraw_contact",
    ),
    path("answers/<int:message_id>/withdraw-chat/", views.withdraw_chat, name="withdraw_chat"),
]
