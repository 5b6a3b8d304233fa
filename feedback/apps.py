from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        from assistants import hooks
        from feedback.facets import rebuild_facets
        from feedback.rollups import rebuild_daily_feedback
        from feedback.services import erase_person_text, forget_chat_text, forget_expired_text
        from feedback.version_feedback import rebuild_version_feedback

        # `assistants.rollups.rebuild` recomputes the feedback counters too.
        hooks.register_rebuilder(rebuild_daily_feedback)
        hooks.register_rebuilder(rebuild_version_feedback)
        hooks.register_rebuilder(rebuild_facets)
        # Deleting a chat deletes the copies of its text that ratings keep.
        hooks.register_content_eraser(forget_chat_text)
        # A person's erasure and the retention purge erase feedback's text too.
        hooks.register_person_eraser(erase_person_text)
        hooks.register_expired_text_eraser(forget_expired_text)
