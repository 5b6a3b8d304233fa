from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"

    def ready(self) -> None:
        from assistants import rollups
        from feedback.rollups import rebuild_daily_feedback

        # `assistants.rollups.rebuild` recomputes the feedback counters too.
        rollups.register_rebuilder(rebuild_daily_feedback)
