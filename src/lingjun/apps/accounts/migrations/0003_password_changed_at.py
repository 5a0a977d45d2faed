"""When a password was last changed (the expiry of staff passwords counts from it).

Users with a usable password when this migration runs get the time of the upgrade: the clock
starts then, nobody is sent to change a password the morning after the upgrade.
"""

from typing import Any

from django.db import migrations, models
from django.utils import timezone


def start_the_clock(apps: Any, schema_editor: Any) -> None:
    User = apps.get_model("accounts", "User")
    User.objects.exclude(password="").exclude(password__startswith="!").update(
        password_changed_at=timezone.now()
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="password_changed_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="密码修改时间"),
        ),
        migrations.RunPython(start_the_clock, migrations.RunPython.noop),
    ]
