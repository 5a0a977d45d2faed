# The model moved here from ``enterprises`` (its table was created by enterprises 0001): this
# migration only takes it over in the migration state; 0002 renames the table.

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [("enterprises", "0002_annual_one_row_per_year")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Division",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "code",
                            models.CharField(blank=True, default="", max_length=16, verbose_name="区划代码"),
                        ),
                        ("name", models.CharField(max_length=64, unique=True, verbose_name="名称")),
                        (
                            "kind",
                            models.CharField(
                                choices=[("street", "街道"), ("town", "镇"), ("park", "园区")],
                                max_length=8,
                                verbose_name="类型",
                            ),
                        ),
                        ("verified", models.BooleanField(default=True, verbose_name="已核实")),
                        ("active", models.BooleanField(default=True, verbose_name="启用")),
                    ],
                    options={
                        "verbose_name": "镇街园区",
                        "verbose_name_plural": "镇街园区",
                        "ordering": ["kind", "code", "name"],
                        "db_table": "enterprises_division",
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
