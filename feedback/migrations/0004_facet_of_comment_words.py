from django.db import migrations, models

from feedback.facets import WORD_ROWS

# The word rows of the ratings stored before they existed.
FILL = WORD_ROWS.replace("r.assistant_id = ANY(%(ids)s)", "true")


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
