"""Benchmark: pool membership on a large pool — the daily check, the whole-pool re-evaluation
(复核), bulk confirmation of its findings, and the pages (``docs/benchmarks.md``, "Membership").

Builds a fresh pool (SQLite, or PostgreSQL when DATABASE_URL says so) of ``--enterprises``
synthetic enterprises, makes ``--members`` of them members (雏鹰 mostly; seeded with one
``bulk_create``), half with this year's annual update, a few flagged 经营异常, then times:
the annual-update sweep and the credit check (set-based), the re-evaluation job's work (the
engine on the whole pool, the findings stored), confirming every finding at once, and the member
list and findings pages (best of ``--repeat`` after one unmeasured request).

    .venv/bin/python bench/bench_membership.py [--enterprises 20000] [--members 5000] [--record]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from bench_import import _record, fresh_pool  # noqa: E402

AS_OF = date(2025, 10, 8)  # after the 2025 deadline (30 September)
YEAR = 2025


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--record", action="store_true", help="write the figures into docs/benchmarks.md")
    args = parser.parse_args()

    fresh_pool("lingjun-bench-membership-")
    from django.db import connection
    from django.test import Client

    from lingjun.apps.accounts.services import user_create
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.enterprises.services import dossiers_apply
    from lingjun.apps.membership.models import AnnualUpdate, Membership, PoolReview, ReviewFinding
    from lingjun.apps.membership.services import (
        annual_update_sweep,
        findings_confirm,
        memberships_exit_credit,
        pool_review_execute,
        registration_number_format,
    )
    from lingjun.demo import generate_dossiers

    t0 = time.perf_counter()
    dossiers_apply(
        dossiers=list(generate_dossiers(n=args.enterprises, seed=7, year=YEAR - 1, today=date(YEAR, 6, 30))),
        user=None,
        source="import",
    )
    t_pool = time.perf_counter() - t0
    ids = list(Enterprise.objects.order_by("pk").values_list("pk", flat=True)[: args.members])
    tiers = ["chuying"] * 8 + ["dengling", "lingjun_peiyu"]
    Membership.objects.bulk_create(
        [
            Membership(
                enterprise_id=pk,
                tier=tiers[i % len(tiers)],
                registration_number=registration_number_format(
                    tier=tiers[i % len(tiers)], year=2023, seq=i + 1
                ),
                valid_from=date(2023, 1, 1),
                source="bench",
            )
            for i, pk in enumerate(ids)
        ],
        batch_size=2000,
    )
    AnnualUpdate.objects.bulk_create(
        [
            AnnualUpdate(enterprise_id=pk, year=YEAR, data_year=YEAR - 1, confirmed_on=date(YEAR, 6, 1))
            for pk in ids[::2]
        ],
        batch_size=2000,
    )
    Enterprise.objects.filter(pk__in=ids[1::50]).update(abnormal_operation=True)
    staff = user_create(username="bench-staff", password="Zx9!correct-horse", role="district_staff")

    def timed(fn: Any) -> tuple[float, Any]:
        t = time.perf_counter()
        out = fn()
        return time.perf_counter() - t, out

    t_credit, credit = timed(lambda: memberships_exit_credit(as_of=date(YEAR, 9, 1), user=staff))
    t_sweep, swept = timed(lambda: annual_update_sweep(year=YEAR, as_of=AS_OF, user=staff))
    review = PoolReview.objects.create(as_of=AS_OF, year=YEAR, user=staff)
    t_review, review = timed(lambda: pool_review_execute(review=review))
    client = Client()
    client.force_login(staff)

    def page(url: str) -> float:
        client.get(url)
        best = float("inf")
        for _ in range(args.repeat):
            t = time.perf_counter()
            assert client.get(url).status_code == 200
            best = min(best, time.perf_counter() - t)
        return best

    pages = {
        "member list (在库)": page("/membership/"),
        "member list (已出库)": page("/membership/?status=exited"),
        "member list (本年度未更新)": page("/membership/?annual=missing"),
        "findings queue": page("/membership/findings/"),
    }
    pending = ReviewFinding.objects.filter(review=review, status="pending").count()
    t_confirm, confirmed = timed(
        lambda: findings_confirm(
            findings=ReviewFinding.objects.filter(review=review), on=AS_OF, note="", user=staff
        )
    )
    load = os.getloadavg()[0]
    lines = [
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; machine: {platform.machine()}, "
        f"{os.cpu_count()} cores, load {load:.1f}; Python {platform.python_version()}; database: {connection.vendor}",
        f"- command: `.venv/bin/python bench/bench_membership.py --enterprises {args.enterprises} "
        f"--members {args.members}` (pool built in {t_pool:.0f} s)",
        f"- credit check (严重失信 / 经营异常): {sum(credit.values())} exits in **{t_credit * 1000:.0f} ms**",
        f"- annual-update sweep: {swept} exits in **{t_sweep * 1000:.0f} ms**",
        f"- re-evaluation of the whole pool (engine + findings): {review.members} members, {review.failing} "
        f"findings in **{t_review:.1f} s** (members taken regardless of the criteria, so most fail: the "
        "worst case for explaining and storing findings)",
        f"- confirm every finding at once: {confirmed} of {pending} in **{t_confirm * 1000:.0f} ms**",
        "- pages (server time, best of "
        + str(args.repeat)
        + "): "
        + "; ".join(f"{k} {v * 1000:.0f} ms" for k, v in pages.items()),
    ]
    print("\n".join(lines))
    if args.record:
        _record("## Membership", lines)


if __name__ == "__main__":
    sys.exit(main())
