# The tab's counts under "has a comment" or a version, and how many of them are new, read
# these indexes alone (index-only) instead of every matching rating's row.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0007_version_feedback_by_model"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="rating",
            name="rating_tab_with_comment",
        ),
        migrations.RemoveIndex(
            model_name="rating",
            name="rating_tab_by_version",
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                condition=models.Q(("comment", ""), _negated=True),
                fields=["assistant", "value", "-rated_at", "-id"],
                include=("status",),
                name="rating_tab_with_comment",
            ),
        ),
        migrations.AddIndex(
            model_name="rating",
            index=models.Index(
                fields=["assistant", "value", "version", "-rated_at", "-id"],
                include=("status",),
                name="rating_tab_by_version",
            ),
        ),
    ]
