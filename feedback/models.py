"""Ratings of assistant answers, and their exact daily counters."""

from django.db import models

from assistants.models import Assistant


class DailyFeedback(models.Model):
    """Ratings whose current value was given on one day of the assistant's reporting zone."""

    assistant = models.ForeignKey(Assistant, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assistant", "day"], name="daily_feedback_unique_day"),
        ]
        verbose_name_plural = "daily feedback"

    def __str__(self) -> str:
        return f"{self.assistant_id} {self.day}"
