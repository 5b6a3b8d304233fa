from django.db import migrations, models

# The word rows of the ratings stored before they existed, as `feedback.facets` wrote them
# when this migration was made (its statements have changed since).
FILL = """
INSERT INTO feedback_dailyfeedbackfacet
    (assistant_id, day, value, facet, label, reason, ratings, new)
SELECT r.assistant_id, (r.rated_at AT TIME ZONE a.time_zone)::date, r.value, 'word',
       w.prefix, picked.reason, count(*), count(*) FILTER (WHERE r.status = 'new')
FROM feedback_rating r JOIN assistants_assistant a ON a.id = r.assistant_id
CROSS JOIN LATERAL (SELECT DISTINCT left(word.lexeme, n) FROM unnest(r.search) AS word, generate_series(1, least(length(word.lexeme), 24)) AS n) AS w(prefix)
CROSS JOIN LATERAL (
    SELECT '' UNION ALL SELECT unnest(r.reasons)
) AS picked(reason)
WHERE true AND r.comment <> ''
GROUP BY 1, 2, 3, 4, 5, 6
"""


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0003_facet_counts_in_their_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="dailyfeedbackfacet",
            name="facet",
            field=models.CharField(
                choices=[
                    ("reason", "Reason"),
                    ("comment", "Comment"),
                    ("status", "Status"),
                    ("version", "Version"),
                    ("word", "Word"),
                ],
                max_length=10,
            ),
        ),
        migrations.RunSQL(FILL, "DELETE FROM feedback_dailyfeedbackfacet WHERE facet = 'word'"),
    ]
