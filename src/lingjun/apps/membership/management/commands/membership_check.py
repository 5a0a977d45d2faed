"""``django-admin membership_check``: the daily exit check (出库检查) for a scheduler (cron)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from lingjun.apps.membership.services import MembershipError, memberships_sweep


class Command(BaseCommand):
    help = "出库检查：信用情况、所需资质、年度信息更新（截止前发送提醒，截止后逾期出库）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--as-of", help="检查日期（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = date.fromisoformat(options["as_of"]) if options.get("as_of") else timezone.localdate()
        try:
            counts = memberships_sweep(as_of=as_of, user=None)
        except MembershipError as exc:
            self.stderr.write(exc.message)
            raise SystemExit(1) from exc
        self.stdout.write("；".join(f"{k}: {v}" for k, v in counts.items()))
