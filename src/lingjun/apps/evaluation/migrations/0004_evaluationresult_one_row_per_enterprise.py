# One result row per enterprise and run, step 2 of 3: the stored runs converted (a separate
# migration, so that PostgreSQL commits the rows before step 3 alters the table).
#
# Each run's rows of one enterprise (one per policy) become one row: the results as one letter
# per policy in the order of the run's policies (p pass, f fail, u unknown), the scores the same
# way with two places, ";" between them ("" when none has a score). Reversible.

from decimal import Decimal

from django.db import migrations

CODES = {"pass": "p", "fail": "f", "unknown": "u"}
OUTCOMES = {code: outcome for outcome, code in CODES.items()}


def one_row_per_enterprise(apps, schema_editor):
    Run = apps.get_model("evaluation", "EvaluationRun")
    Result = apps.get_model("evaluation", "EvaluationResult")
    for run in Run.objects.all().iterator():
        policies = list(run.policies)
        found: dict[str, dict[str, tuple[str, Decimal | None]]] = {}
        old = Result.objects.filter(run=run).exclude(policy="")
        for uscc, policy, result, score in old.values_list("enterprise_id", "policy", "result", "score"):
            found.setdefault(uscc, {})[policy] = (result, score)
        rows = []
        for uscc, by_policy in found.items():
            got = [by_policy.get(p, ("unknown", None)) for p in policies]
            scores = [s for _r, s in got]
            rows.append(
                Result(
                    run=run,
                    enterprise_id=uscc,
                    policy="",
                    result="",
                    outcomes="".join(CODES[r] for r, _s in got),
                    scores=""
                    if all(s is None for s in scores)
                    else ";".join("" if s is None else f"{Decimal(s):.2f}" for s in scores),
                )
            )
        old.delete()
        Result.objects.bulk_create(rows, batch_size=2000)


def one_row_per_policy(apps, schema_editor):
    Run = apps.get_model("evaluation", "EvaluationRun")
    Result = apps.get_model("evaluation", "EvaluationResult")
    for run in Run.objects.all().iterator():
        policies = list(run.policies)
        new = Result.objects.filter(run=run, policy="")
        rows = []
        for uscc, outcomes, scores in new.values_list("enterprise_id", "outcomes", "scores"):
            parts = scores.split(";") if scores else [""] * len(policies)
            for policy, code, score in zip(policies, outcomes, parts, strict=True):
                rows.append(
                    Result(
                        run=run,
                        enterprise_id=uscc,
                        policy=policy,
                        result=OUTCOMES[code],
                        score=Decimal(score) if score else None,
                    )
                )
        new.delete()
        Result.objects.bulk_create(rows, batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0003_evaluationresult_outcomes"),
    ]

    operations = [
        migrations.RunPython(one_row_per_enterprise, one_row_per_policy),
    ]
