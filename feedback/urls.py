"""The chat's rating controls, the review of feedback and the reason lists, under
/assistants/<id>/feedback/ (the Feedback tab, its CSV and shared chats are in `insights.urls`
with the rest of Usage Insights)."""

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
    path("<int:rating_id>/review/", views.review, name="review"),
    path("mark-reviewed/", views.mark_reviewed, name="mark_reviewed"),
    path("reasons/", views.reason_lists, name="reason_lists"),
]
