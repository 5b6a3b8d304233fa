"""The feedback app's schema as the migrations 0001 to 0010 of the last release left it.

Every deployed database has applied those (Django marks this one applied there); a new
database runs this one alone. Their data steps (answers, questions and versions copied
onto past ratings, counters recounted by source and by facet) have nothing to fill on an
empty database."""

import django.contrib.postgres.fields
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("feedback", "0001_initial"),
        ("feedback", "0002_ratings"),
        ("feedback", "0003_rating_answer"),
        ("feedback", "0004_rating_text_erased"),
        ("feedback", "0005_reasons_review_search"),
        ("feedback", "0006_version_feedback"),
        ("feedback", "0007_version_feedback_by_model"),
        ("feedback", "0008_rating_counts_read_indexes_only"),
        ("feedback", "0009_daily_feedback_by_source"),
        ("feedback", "0010_daily_feedback_facets"),
    ]

    dependencies = [
        ("assistants", "0001_squashed_0009_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ReasonLists",
            fields=[
                (
                    "assistant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="assistants.assistant",
                    ),
                ),
                (
                    "positive",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60), default=list, size=None
                    ),
                ),
                (
                    "negative",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60), default=list, size=None
                    ),
                ),
                ("updated_at", models.DateTimeField()),
                (
                    "updated_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "reason lists",
            },
        ),
        migrations.CreateModel(
            name="DailyFeedback",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "source",
                    models.CharField(
                        choices=[("app", "In-app chat"), ("api", "Events API")],
                        default="app",
                        max_length=3,
                    ),
                ),
                ("positive", models.PositiveIntegerField(default=0)),
                ("negative", models.PositiveIntegerField(default=0)),
                (
                    "assistant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "daily feedback",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "day", "source"), name="daily_feedback_unique_day"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DailyFeedbackFacet",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("value", models.CharField(max_length=10)),
                (
                    "facet",
                    models.CharField(
                        choices=[
                            ("reason", "Reason"),
                            ("comment", "Comment"),
                            ("status", "Status"),
                            ("version", "Version"),
                        ],
                        max_length=10,
                    ),
                ),
                ("label", models.CharField(blank=True, max_length=60)),
                ("ratings", models.IntegerField()),
                ("new", models.IntegerField()),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "daily feedback facets",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "day", "value", "facet", "label"),
                        name="daily_feedback_facet_unique",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Rating",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "value",
                    models.CharField(
                        choices=[("positive", "Thumbs up"), ("negative", "Thumbs down")],
                        max_length=10,
                    ),
                ),
                ("rated_at", models.DateTimeField()),
                ("answer", models.TextField(blank=True)),
                ("question", models.TextField(blank=True)),
                ("version", models.PositiveIntegerField(default=1)),
                ("comment", models.TextField(blank=True, max_length=2000)),
                (
                    "search",
                    models.GeneratedField(
                        db_persist=True,
                        expression=django.contrib.postgres.search.SearchVector(
                            "comment", config="simple"
                        ),
                        output_field=django.contrib.postgres.search.SearchVectorField(),
                    ),
                ),
                (
                    "reasons",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(max_length=60),
                        blank=True,
                        default=list,
                        size=None,
                    ),
                ),
                ("share_contact", models.BooleanField(default=False)),
                ("contact_name", models.CharField(blank=True, max_length=150)),
                ("contact_email", models.EmailField(blank=True, max_length=254)),
                ("share_token", models.UUIDField(blank=True, null=True)),
                ("chat_shared_at", models.DateTimeField(blank=True, null=True)),
                ("external_id", models.CharField(blank=True, max_length=255, null=True)),
                ("updated_at", models.DateTimeField()),
                ("text_erased_at", models.DateTimeField(blank=True, null=True)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("new", "New"),
                            ("reviewed", "Reviewed"),
                            ("resolved", "Resolved"),
                        ],
                        default="new",
                        max_length=10,
                    ),
                ),
                ("note", models.TextField(blank=True, max_length=2000)),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "assistant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.conversation",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.message",
                    ),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.participant",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["assistant", "value", "-rated_at", "-id"],
                        name="rating_tab_by_value",
                    ),
                    models.Index(
                        condition=models.Q(("comment", ""), _negated=True),
                        fields=["assistant", "value", "-rated_at", "-id"],
                        include=("status",),
                        name="rating_tab_with_comment",
                    ),
                    models.Index(fields=["assistant", "-rated_at", "-id"], name="rating_by_time"),
                    models.Index(
                        fields=["assistant", "conversation"], name="rating_by_conversation"
                    ),
                    models.Index(
                        fields=["assistant", "value", "status", "-rated_at", "-id"],
                        name="rating_tab_by_status",
                    ),
                    models.Index(
                        fields=["assistant", "value", "version", "-rated_at", "-id"],
                        include=("status",),
                        name="rating_tab_by_version",
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["reasons"], name="rating_reasons"
                    ),
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["search"], name="rating_search"
                    ),
                    models.Index(
                        condition=models.Q(("reasons", []), _negated=True),
                        fields=["assistant", "-rated_at"],
                        include=("value", "reasons"),
                        name="rating_with_reasons",
                    ),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "message", "participant"), name="rating_one_per_answer"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("status__in", ["new", "reviewed", "resolved"])),
                        name="rating_status_valid",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("external_id__isnull", False)),
                        fields=("assistant", "external_id"),
                        name="rating_unique_external_id",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("share_token__isnull", False)),
                        fields=("assistant", "share_token"),
                        name="rating_unique_share_token",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("value__in", ["positive", "negative"])),
                        name="rating_value_valid",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("share_contact", True),
                            models.Q(("contact_email", ""), ("contact_name", "")),
                            _connector="OR",
                        ),
                        name="rating_contact_only_when_shared",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("chat_shared_at__isnull", True), ("share_token__isnull", True)
                            ),
                            models.Q(
                                ("chat_shared_at__isnull", False), ("share_token__isnull", False)
                            ),
                            _connector="OR",
                        ),
                        name="rating_shared_chat_complete",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="VersionFeedback",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                (
                    "source",
                    models.CharField(
                        choices=[("app", "In-app chat"), ("api", "Events API")], max_length=3
                    ),
                ),
                ("version", models.PositiveIntegerField()),
                ("model", models.CharField(blank=True, default="", max_length=100)),
                ("positive", models.PositiveIntegerField(default=0)),
                ("negative", models.PositiveIntegerField(default=0)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "version feedback",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "day", "source", "version", "model"),
                        name="version_feedback_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("source__in", ["app", "api"])),
                        name="version_feedback_source_valid",
                    ),
                ],
            },
        ),
    ]
