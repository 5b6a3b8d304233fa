from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        from assistants import chat_views, rollups
        from feedback.rollups import rebuild_daily_feedback
        from feedback.services import forget_chat_text

        # `assistants.rollups.rebuild` recomputes the feedback counters too.
        rollups.register_rebuilder(rebuild_daily_feedback)
        # Deleting a chat deletes the copies of its text that ratings keep.
        chat_views.register_content_deletion_hook(forget_chat_text)
