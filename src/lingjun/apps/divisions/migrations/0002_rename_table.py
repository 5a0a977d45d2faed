from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("divisions", "0001_initial"),
        ("enterprises", "0003_division_moves_to_divisions"),
    ]

    operations = [migrations.AlterModelTable(name="division", table=None)]
