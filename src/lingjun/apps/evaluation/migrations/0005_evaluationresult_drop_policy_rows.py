# One result row per enterprise and run, step 3 of 3: the per-policy columns and their index
# dropped, one row per (run, enterprise); the run's own index dropped too (the unique
# (run, uscc) index serves every lookup by run).

import django.db.models.deletion
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
        # defaults first, so that going back re-adds the columns to the converted rows
        migrations.AlterField(
            model_name="evaluationresult",
            name="policy",
            field=models.CharField(default="", max_length=64, verbose_name="政策"),
        ),
        migrations.AlterField(
            model_name="evaluationresult",
            name="result",
            field=models.CharField(
                choices=[("pass", "通过"), ("fail", "不通过"), ("unknown", "需补充材料")],
                default="",
                max_length=8,
                verbose_name="结果",
            ),
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
        migrations.AlterField(
            model_name="evaluationresult",
            name="run",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="results",
                to="evaluation.evaluationrun",
            ),
        ),
        migrations.AddConstraint(
            model_name="evaluationresult",
            constraint=models.UniqueConstraint(fields=("run", "enterprise"), name="lj_evr_run_enterprise"),
        ),
    ]
