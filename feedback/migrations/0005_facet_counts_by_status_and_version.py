from django.conf import settings
from django.db import migrations, models

# Every facet row again, now by the rated answers' version and with its resolved ratings, as
# `feedback.facets` rebuilt them when this migration was made: the old rows go, and the new
# ones are written before the indexes are built again.
_STATEMENT_0 = "TRUNCATE feedback_dailyfeedbackfacet"

_STATEMENT_1 = """
INSERT INTO feedback_dailyfeedbackfacet
    (assistant_id, day, value, version, facet, label, ratings, new, resolved)
-- One read of the ratings per facet rather than a lateral join, so the plan has no
-- nested loop whatever the statistics say.
SELECT assistant_id, day, value, version, facet, label, count(*),
       count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'resolved')
FROM (
    SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'reason' AS facet, unnest(r.reasons) AS label FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    WHERE true
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'comment', '' FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    WHERE true AND r.comment <> ''
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'status', r.status FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    WHERE true
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'version', r.version::text FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    WHERE true
) AS f
GROUP BY 1, 2, 3, 4, 5, 6
"""

_STATEMENT_2 = """
INSERT INTO feedback_dailyfeedbackfacet
    (assistant_id, day, value, version, facet, label, reason, ratings, new, resolved)
SELECT assistant_id, day, value, version, facet, label, reason, count(*),
       count(*) FILTER (WHERE status = 'new'), count(*) FILTER (WHERE status = 'resolved')
FROM (
    -- A reason facet counts the rating once however often it lists the reason.
    SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'reason' AS facet, listed.label, picked.reason
    FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    CROSS JOIN LATERAL (SELECT DISTINCT unnest(r.reasons)) AS listed(label)
    CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
    WHERE true
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'comment', '', picked.reason FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
    WHERE true
        AND r.comment <> ''
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'status', r.status, picked.reason FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
    WHERE true
    UNION ALL SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date AS day, r.value, r.version, r.status, 'version', r.version::text, picked.reason FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
    CROSS JOIN LATERAL unnest(r.reasons) AS picked(reason)
    WHERE true
) AS f
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

_STATEMENT_3 = """
INSERT INTO feedback_dailyfeedbackfacet
    (assistant_id, day, value, version, facet, label, reason, ratings, new, resolved)
SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date, r.value, r.version, 'word',
       w.prefix, picked.reason, count(*), count(*) FILTER (WHERE r.status = 'new'),
       count(*) FILTER (WHERE r.status = 'resolved')
FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
CROSS JOIN LATERAL (SELECT DISTINCT left(word.lexeme, n) FROM unnest(r.search) AS word, generate_series(1, least(length(word.lexeme), 24)) AS n) AS w(prefix)
CROSS JOIN LATERAL (
    SELECT '' UNION ALL SELECT unnest(r.reasons)
) AS picked(reason)
WHERE true AND r.comment <> ''
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""

# Their foreign keys are checked as each statement ends: a check left pending to the
# commit would keep the indexes from being built in the same transaction.
FILL = [
    "SET CONSTRAINTS ALL IMMEDIATE",
    _STATEMENT_0,
    _STATEMENT_1,
    _STATEMENT_2,
    _STATEMENT_3,
    "SET CONSTRAINTS ALL DEFERRED",
]


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0002_daily_people"),
        ("feedback", "0004_facet_of_comment_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="dailyfeedbackfacet",
            name="daily_feedback_facet_unique",
        ),
        migrations.RemoveIndex(
            model_name="dailyfeedbackfacet",
            name="facet_of_every_rating",
        ),
        migrations.RemoveIndex(
            model_name="rating",
            name="rating_tab_with_comment",
        ),
        migrations.AddField(
            model_name="dailyfeedbackfacet",
            name="resolved",
            field=models.IntegerField(db_default=0),
        ),
        migrations.AddField(
            model_name="dailyfeedbackfacet",
            name="version",
            field=models.PositiveIntegerField(db_default=1),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.AddIndex(
            model_name="dailyfeedbackfacet",
            index=models.Index(
                condition=models.Q(("reason", "")),
                fields=["assistant", "facet", "day"],
                include=("label", "value", "ratings", "new", "resolved"),
                name="facet_of_every_rating",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("comment", ""), _negated=True),
                fields=["assistant", "-rated_at", "-id"],
                include=("value", "status", "version", "reasons", "search"),
                name="rating_tab_with_comment",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(
                    models.Q(("comment", ""), _negated=True),
                    models.Q(("reasons", []), _negated=True),
                ),
                fields=["assistant", "-rated_at", "-id"],
                include=("value", "status", "version", "reasons", "search"),
                name="rating_search_with_reasons",
            ),
        ),
        migrations.AddConstraint(
            model_name="dailyfeedbackfacet",
            constraint=models.UniqueConstraint(
                fields=("assistant", "facet", "label", "reason", "day", "value", "version"),
                include=("ratings", "new", "resolved"),
                name="daily_feedback_facet_unique",
            ),
        ),
    ]
