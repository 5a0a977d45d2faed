# 镇街园区 moved to its own app (``divisions``); the table stays, only the state moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0002_annual_one_row_per_year"),
        ("divisions", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Division")],
            database_operations=[],
        ),
    ]
