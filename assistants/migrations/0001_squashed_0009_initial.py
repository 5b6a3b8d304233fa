"""The assistants app's schema as the migrations 0001 to 0009 of the last release left it.

Every deployed database has applied those (Django marks this one applied there); a new
database runs this one alone. Their data steps (latency histograms into arrays, pseudonym
numbers for past writers) have nothing to convert on an empty database."""

import django.contrib.postgres.fields
import django.core.validators
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import assistants.models


class Migration(migrations.Migration):
    initial = True

    replaces = [
        ("assistants", "0001_initial"),
        ("assistants", "0002_rate_limit_window"),
        ("assistants", "0003_api_keys"),
        ("assistants", "0004_fewer_redundant_indexes"),
        ("assistants", "0005_message_assistant_without_constraint"),
        ("assistants", "0006_privacy_retention_and_erasure"),
        ("assistants", "0007_quality_answer_stats"),
        ("assistants", "0008_latency_histogram_array"),
        ("assistants", "0009_usage_by_source_and_pseudonyms"),
    ]

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Assistant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120)),
                ("description", models.TextField(blank=True)),
                ("instructions", models.TextField(blank=True)),
                (
                    "model",
                    models.CharField(
                        default="offline",
                        help_text="“offline” for the built-in backend, or a model name of the OpenAI-compatible server.",
                        max_length=100,
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(
                        default=assistants.models.default_time_zone,
                        help_text="Every “day” in Usage Insights is a calendar day in this zone.",
                        max_length=64,
                        validators=[assistants.models.validate_time_zone],
                        verbose_name="reporting time zone",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "retention_days",
                    models.PositiveIntegerField(
                        blank=True,
                        null=True,
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(36500),
                        ],
                        verbose_name="keep chat text for (days)",
                    ),
                ),
                (
                    "creator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="created_assistants",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["name", "id"],
            },
        ),
        migrations.CreateModel(
            name="RateLimitWindow",
            fields=[
                ("key", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("window_start", models.DateTimeField()),
                ("hits", models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name="UsageTotals",
            fields=[
                (
                    "assistant",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="totals",
                        serialize=False,
                        to="assistants.assistant",
                    ),
                ),
                ("users", models.PositiveIntegerField(default=0)),
                ("conversations", models.PositiveIntegerField(default=0)),
                ("messages", models.PositiveBigIntegerField(default=0)),
            ],
            options={
                "verbose_name_plural": "usage totals",
            },
        ),
        migrations.CreateModel(
            name="ModelPrice",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("model", models.CharField(max_length=100)),
                (
                    "effective_from",
                    models.DateTimeField(
                        default=django.utils.timezone.now,
                        help_text="Answers at or after this moment are costed with it.",
                    ),
                ),
                (
                    "input_usd_per_million",
                    models.DecimalField(
                        decimal_places=6, max_digits=12, verbose_name="input USD per million tokens"
                    ),
                ),
                (
                    "output_usd_per_million",
                    models.DecimalField(
                        decimal_places=6,
                        max_digits=12,
                        verbose_name="output USD per million tokens",
                    ),
                ),
            ],
            options={
                "ordering": ["model", "-effective_from"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("model", "effective_from"), name="model_price_unique_start"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("input_usd_per_million__gte", 0), ("output_usd_per_million__gte", 0)
                        ),
                        name="model_price_not_negative",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Participant",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("external_id", models.CharField(blank=True, max_length=255, null=True)),
                ("first_message_at", models.DateTimeField(blank=True, null=True)),
                ("number", models.PositiveIntegerField(blank=True, null=True)),
                ("content_erased_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assistant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participants",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="participations",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="DailyActiveUser",
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
                ("user_messages", models.PositiveIntegerField(default=0)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
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
            ],
        ),
        migrations.CreateModel(
            name="Conversation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("external_id", models.CharField(blank=True, max_length=255, null=True)),
                ("title", models.CharField(blank=True, max_length=200)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("first_message_at", models.DateTimeField(blank=True, null=True)),
                ("last_message_at", models.DateTimeField(blank=True, null=True)),
                ("content_deleted_at", models.DateTimeField(blank=True, null=True)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conversations",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="conversations",
                        to="assistants.participant",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ApiKey",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=100)),
                ("prefix", models.CharField(max_length=40)),
                ("secret_hash", models.CharField(max_length=64)),
                (
                    "requests_per_minute",
                    models.PositiveIntegerField(
                        default=1200, help_text="Requests past this many in one minute get 429."
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_used_at", models.DateTimeField(blank=True, null=True)),
                ("revoked_at", models.DateTimeField(blank=True, null=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "assistant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_keys",
                        to="assistants.assistant",
                    ),
                ),
            ],
            options={
                "verbose_name": "API key",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "secret_hash"), name="api_key_unique_hash"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="ConfigurationVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveIntegerField()),
                ("name", models.CharField(max_length=120)),
                ("description", models.TextField(blank=True)),
                ("instructions", models.TextField(blank=True)),
                ("model", models.CharField(max_length=100)),
                ("time_zone", models.CharField(max_length=64)),
                ("retention_days", models.PositiveIntegerField(blank=True, null=True)),
                ("changed_fields", models.JSONField(blank=True, default=list)),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "changed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["assistant", "-number"],
                "indexes": [
                    models.Index(fields=["assistant", "changed_at"], name="version_by_time")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "number"), name="version_unique_number"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="DailyAnswerStats",
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
                ("model", models.CharField(blank=True, max_length=100)),
                ("answers", models.PositiveIntegerField(default=0)),
                ("answers_with_latency", models.PositiveIntegerField(default=0)),
                ("failed_replies", models.PositiveIntegerField(default=0)),
                ("input_tokens", models.PositiveBigIntegerField(default=0)),
                ("output_tokens", models.PositiveBigIntegerField(default=0)),
                ("cost_usd", models.DecimalField(decimal_places=12, default=0, max_digits=24)),
                ("unpriced_answers", models.PositiveIntegerField(default=0)),
                ("latency_first_bucket", models.SmallIntegerField(blank=True, null=True)),
                (
                    "latency_counts",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.PositiveIntegerField(), blank=True, null=True, size=None
                    ),
                ),
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
                "verbose_name_plural": "daily answer stats",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "day", "source", "version", "model"),
                        name="daily_answer_stats_unique",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(
                                ("latency_counts__isnull", True),
                                ("latency_first_bucket__isnull", True),
                            ),
                            models.Q(
                                ("latency_counts__isnull", False),
                                ("latency_first_bucket__isnull", False),
                            ),
                            _connector="OR",
                        ),
                        name="daily_answer_stats_histogram_whole",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="DailyUsage",
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
                ("active_users", models.PositiveIntegerField(default=0)),
                ("conversations", models.IntegerField(default=0)),
                ("user_messages", models.PositiveIntegerField(default=0)),
                ("assistant_messages", models.PositiveIntegerField(default=0)),
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
                "verbose_name_plural": "daily usage",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "day", "source"), name="daily_usage_unique_day"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="FailedReply",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("model", models.CharField(blank=True, max_length=100, null=True)),
                ("error", models.TextField(blank=True)),
                ("external_id", models.CharField(blank=True, max_length=255, null=True)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="failed_replies",
                        to="assistants.conversation",
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "failed replies",
                "indexes": [
                    models.Index(fields=["assistant", "created_at"], name="failed_reply_by_time")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("external_id__isnull", False)),
                        fields=("assistant", "external_id"),
                        name="failed_reply_unique_external_id",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Membership",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("editor", "Editor"), ("user", "User")], max_length=10
                    ),
                ),
                ("added_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "assistant",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="memberships",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["user", "assistant"], name="membership_by_user")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("assistant", "user"), name="membership_unique_user"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["editor", "user"])),
                        name="membership_role_valid",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="Message",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "role",
                    models.CharField(
                        choices=[("user", "User"), ("assistant", "Assistant")], max_length=10
                    ),
                ),
                ("content", models.TextField(blank=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("external_id", models.CharField(blank=True, max_length=255, null=True)),
                ("model", models.CharField(blank=True, max_length=100, null=True)),
                ("latency_ms", models.PositiveIntegerField(blank=True, null=True)),
                ("input_tokens", models.PositiveIntegerField(blank=True, null=True)),
                ("output_tokens", models.PositiveIntegerField(blank=True, null=True)),
                (
                    "cost_usd",
                    models.DecimalField(blank=True, decimal_places=12, max_digits=20, null=True),
                ),
                (
                    "assistant",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="assistants.assistant",
                    ),
                ),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="assistants.conversation",
                    ),
                ),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["assistant", "conversation", "created_at"],
                        name="message_by_conversation",
                    ),
                    models.Index(fields=["assistant", "created_at"], name="message_by_time"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("external_id__isnull", False)),
                        fields=("assistant", "external_id"),
                        name="message_unique_external_id",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("role__in", ["user", "assistant"])),
                        name="message_role_valid",
                    ),
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("user__isnull", False)),
                fields=("assistant", "user"),
                name="participant_unique_user",
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id__isnull", False)),
                fields=("assistant", "external_id"),
                name="participant_unique_external_id",
            ),
        ),
        migrations.AddConstraint(
            model_name="participant",
            constraint=models.UniqueConstraint(
                fields=("assistant", "number"), name="participant_unique_number"
            ),
        ),
        migrations.AddIndex(
            model_name="dailyactiveuser",
            index=models.Index(
                fields=["assistant", "participant", "day"], name="daily_active_user_by_person"
            ),
        ),
        migrations.AddConstraint(
            model_name="dailyactiveuser",
            constraint=models.UniqueConstraint(
                fields=("assistant", "day", "participant", "source"),
                name="daily_active_user_unique",
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                fields=["assistant", "participant", "-created_at"],
                name="conversation_by_participant",
            ),
        ),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(
                condition=models.Q(("external_id__isnull", False)),
                fields=("assistant", "external_id"),
                name="conversation_unique_external_id",
            ),
        ),
    ]
