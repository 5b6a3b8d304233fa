"""Latency histograms move from one row per bucket (`DailyLatencyBucket`) into an array on
their `DailyAnswerStats` row: a range's percentiles then read a few hundred rows instead of
tens of thousands. Existing bucket rows are converted, and back when migrating backwards."""

import django.contrib.postgres.fields
from django.db import migrations, models

# Per stats row, its bucket rows as the counts from its first bucket to its last, zeros
# between.
TO_ARRAYS = """
UPDATE assistants_dailyanswerstats s
SET latency_first_bucket = h.first_bucket,
    latency_counts = (
        SELECT array_agg(COALESCE(h.counts[array_position(h.buckets, b)], 0) ORDER BY b)
        FROM generate_series(h.first_bucket::int, h.last_bucket::int) b
    )
FROM (
    SELECT assistant_id, day, source, version, model, min(bucket) AS first_bucket,
           max(bucket) AS last_bucket, array_agg(bucket) AS buckets, array_agg(answers) AS counts
    FROM assistants_dailylatencybucket
    WHERE answers > 0
    GROUP BY assistant_id, day, source, version, model
) h
WHERE (s.assistant_id, s.day, s.source, s.version, s.model)
    = (h.assistant_id, h.day, h.source, h.version, h.model)
"""

TO_BUCKET_ROWS = """
INSERT INTO assistants_dailylatencybucket
    (assistant_id, day, source, version, model, bucket, answers)
SELECT s.assistant_id, s.day, s.source, s.version, s.model,
       s.latency_first_bucket + u.position - 1, u.answers
FROM assistants_dailyanswerstats s
CROSS JOIN LATERAL unnest(s.latency_counts) WITH ORDINALITY AS u(answers, position)
WHERE u.answers > 0
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0007_quality_answer_stats"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailyanswerstats",
            name="latency_counts",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.PositiveIntegerField(), blank=True, null=True, size=None
            ),
        ),
        migrations.AddField(
            model_name="dailyanswerstats",
            name="latency_first_bucket",
            field=models.SmallIntegerField(blank=True, null=True),
        ),
        migrations.RunSQL(TO_ARRAYS, reverse_sql=TO_BUCKET_ROWS),
        migrations.AddConstraint(
            model_name="dailyanswerstats",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("latency_counts__isnull", True), ("latency_first_bucket__isnull", True)
                    ),
                    models.Q(
                        ("latency_counts__isnull", False), ("latency_first_bucket__isnull", False)
                    ),
                    _connector="OR",
                ),
                name="daily_answer_stats_histogram_whole",
            ),
        ),
        migrations.RemoveField(
            model_name="dailylatencybucket",
            name="assistant",
        ),
        migrations.DeleteModel(
            name="DailyLatencyBucket",
        ),
    ]
