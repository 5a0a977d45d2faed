# One result row per enterprise and run (was: per enterprise, run and policy), step 1 of 3:
# the new columns beside the old ones.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0002_evaluationrun_worker_begun_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="evaluationresult",
            name="outcomes",
            field=models.CharField(default="", max_length=64, verbose_name="结果"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="evaluationresult",
            name="scores",
            field=models.CharField(blank=True, default="", max_length=255, verbose_name="得分"),
        ),
    ]
