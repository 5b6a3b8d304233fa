from django.apps import AppConfig


class BenchConfig(AppConfig):
    """The speed benchmark: tooling beside Usage Insights, with no models of its own."""

    name = "insights.bench"
    label = "bench"
    verbose_name = "Usage Insights benchmark"
