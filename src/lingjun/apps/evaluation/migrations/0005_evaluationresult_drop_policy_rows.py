# One result row per enterprise and run, step 3 of 3: the per-policy columns and their index
# dropped, one row per (run, enterprise).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0004_evaluationresult_one_row_per_enterprise"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="evaluationresult",
            name="lj_evr_unique",
        ),
        migrations.RemoveIndex(
            model_name="evaluationresult",
            name="lj_evr_run_policy_result",
        ),
        migrations.RemoveField(
            model_name="evaluationresult",
            name="policy",
        ),
        migrations.RemoveField(
            model_name="evaluationresult",
            name="result",
        ),
        migrations.RemoveField(
            model_name="evaluationresult",
            name="score",
        ),
        migrations.AddConstraint(
            model_name="evaluationresult",
            constraint=models.UniqueConstraint(fields=("run", "enterprise"), name="lj_evr_run_enterprise"),
        ),
    ]
