"""Version feedback is also keyed by the rated answer's model, so the Analytics tab's model
table can show satisfaction per model. Existing rows are recounted from the ratings (the
same definition as `feedback.version_feedback`'s rebuild)."""

from django.db import migrations, models

RECOUNT = """
DELETE FROM feedback_versionfeedback;
INSERT INTO feedback_versionfeedback
    (assistant_id, day, source, version, model, positive, negative)
SELECT r.assistant_id, (m.created_at AT TIME ZONE a.time_zone)::date,
       CASE WHEN c.external_id IS NULL THEN 'app' ELSE 'api' END,
       COALESCE((SELECT max(v.number) FROM assistants_configurationversion v
                 WHERE v.assistant_id = r.assistant_id AND v.changed_at <= m.created_at), 1),
       COALESCE(m.model, ''),
       count(*) FILTER (WHERE r.value = 'positive'),
       count(*) FILTER (WHERE r.value = 'negative')
FROM feedback_rating r
JOIN assistants_assistant a ON a.id = r.assistant_id
JOIN assistants_message m ON m.id = r.message_id
JOIN assistants_conversation c ON c.id = r.conversation_id
GROUP BY 1, 2, 3, 4, 5;
"""

# Backwards, the rows of one day, source and version add up again without their model.
WITHOUT_MODEL = """
CREATE TEMPORARY TABLE version_feedback_without_model AS
SELECT assistant_id, day, source, version, sum(positive) AS positive,
       sum(negative) AS negative
FROM feedback_versionfeedback GROUP BY 1, 2, 3, 4;
DELETE FROM feedback_versionfeedback;
INSERT INTO feedback_versionfeedback (assistant_id, day, source, version, model, positive, negative)
SELECT assistant_id, day, source, version, '', positive, negative
FROM version_feedback_without_model;
DROP TABLE version_feedback_without_model;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("assistants", "0007_quality_answer_stats"),
        ("feedback", "0006_version_feedback"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="versionfeedback",
            name="version_feedback_unique",
        ),
        migrations.AddField(
            model_name="versionfeedback",
            name="model",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.AddConstraint(
            model_name="versionfeedback",
            constraint=models.UniqueConstraint(
                fields=("assistant", "day", "source", "version", "model"),
                name="version_feedback_unique",
            ),
        ),
        migrations.RunSQL(RECOUNT, reverse_sql=WITHOUT_MODEL),
    ]
