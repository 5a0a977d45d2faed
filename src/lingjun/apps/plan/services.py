"""Changes of plan: growth monitoring runs, hand-entered actuals, task reports and reminders."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from lingjun.apps.accounts.models import Role, User
from lingjun.apps.audit.services import audit_record
from lingjun.apps.evaluation.services import pool_tables
from lingjun.apps.membership.selectors import active_memberships
from lingjun.apps.notifications.services import notification_send
from lingjun.apps.plan.catalog import period_for, periods, task_catalog
from lingjun.apps.plan.growth import WARNINGS, indicators
from lingjun.apps.plan.models import TargetActual, TaskReport
from lingjun.apps.plan.selectors import monitoring_dir, reporting_periods, task_overdue

UNKNOWN_TARGET = "计划期 {period} 中没有目标“{target}”。"
NOT_MANUAL = "目标“{label}”的完成值由平台按{source}自动统计，不能手工录入。"
EVIDENCE_MISSING = "请填写依据（文件、名单或统计报表的名称与文号），手工录入的完成值须有据可查。"
NEGATIVE = "完成值不能为负数。"
FUTURE = "截至日期 {as_of} 晚于今天。"
UNKNOWN_TASK = "没有编号为“{task}”的任务。"
NOT_RESPONSIBLE = "{department}不是任务“{title}”的牵头或配合部门，不能报送该任务的进度。"
NOT_A_PERIOD = "{start} 不是可报送的报送期的开始日期。"
ALREADY_REPORTED = "{department}已报送任务“{title}”{period}的进度。"
PROGRESS_MISSING = "请填写进展情况。"
ATTACHMENT_TOO_LARGE = "附件过大（{size} MB）：单个附件不超过 {limit} MB。"
ATTACHMENT_LIMIT_MB = 20


class PlanRefused(Exception):
    """Nothing was stored: ``code`` for programs, the message in Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ------------------------------------------------------------------------------- monitoring


@dataclass(frozen=True)
class MonitoringRun:
    path: Path
    as_of: date
    enterprises: int
    counts: dict[str, int]
    seconds: float


def monitoring_compute(*, as_of: date, engine: str = "duckdb") -> MonitoringRun:
    """Compute the growth indicators and warnings of the whole pool on ``as_of`` and store them
    as ``LINGJUN_HOME/monitoring/<as_of>.parquet`` (the pages read that file)."""
    started = time.perf_counter()
    rows = list(active_memberships(as_of=as_of).values_list("enterprise__uscc", "tier", "valid_until"))
    members = pa.table(
        {
            "uscc": pa.array([r[0] for r in rows], pa.string()),
            "tier": pa.array([r[1] for r in rows], pa.string()),
            "valid_until": pa.array([r[2] for r in rows], pa.date32()),
        }
    )
    with pool_tables(engine=engine, tables=("enterprise", "annual", "qualifications")) as tables:
        table = indicators(tables, as_of=as_of, members=members).to_pyarrow()
    folder = monitoring_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{as_of.isoformat()}.parquet"
    partial = path.with_suffix(".parquet.part")
    pq.write_table(table, partial)
    partial.replace(path)
    counts = {code: int(pa.compute.sum(table[code]).as_py() or 0) for code in WARNINGS}
    return MonitoringRun(path, as_of, table.num_rows, counts, time.perf_counter() - started)


# ---------------------------------------------------------------------------- target actuals


def target_actual_record(
    *, period: str, target: str, value: Decimal, as_of: date, evidence: str, user: Any, today: date
) -> TargetActual:
    """Enter the actual of a target the platform cannot count (who, when, the evidence); earlier
    entries are kept, the newest as of a day counts."""
    found = next((p for p in periods() if p.code == period), None)
    spec = next((t for t in found.targets if t.code == target), None) if found else None
    if found is None or spec is None:
        raise PlanRefused("unknown_target", UNKNOWN_TARGET.format(period=period, target=target))
    if not spec.manual:
        raise PlanRefused("not_manual", NOT_MANUAL.format(label=spec.label, source="企业库和入库记录"))
    if not evidence.strip():
        raise PlanRefused("evidence_missing", EVIDENCE_MISSING)
    if value < 0:
        raise PlanRefused("negative", NEGATIVE)
    if as_of > today:
        raise PlanRefused("future", FUTURE.format(as_of=as_of))
    entry = TargetActual.objects.create(
        period=period, target=target, value=value, as_of=as_of, evidence=evidence.strip(), entered_by=user
    )
    audit_record(
        action="target_actual_record",
        user=user,
        target=f"{spec.label} {value}",
        detail={"period": period, "target": target, "value": str(value), "as_of": as_of.isoformat()},
    )
    return entry


# ------------------------------------------------------------------------------ task reports


def task_report_submit(
    *,
    task: str,
    department: str,
    period_start: date,
    progress: str,
    figures: str,
    attachment: UploadedFile | None,
    user: Any,
    today: date,
) -> TaskReport:
    """A department's progress report on ``task`` for the reporting period beginning
    ``period_start`` (one per task, department and period)."""
    catalog = task_catalog()
    spec = next((t for t in catalog.tasks if t.code == task), None)
    if spec is None:
        raise PlanRefused("unknown_task", UNKNOWN_TASK.format(task=task))
    if department not in spec.departments:
        raise PlanRefused("not_responsible", NOT_RESPONSIBLE.format(department=department, title=spec.title))
    period = next((p for p in reporting_periods(today=today) if p.start == period_start), None)
    if period is None:
        raise PlanRefused("not_a_period", NOT_A_PERIOD.format(start=period_start))
    if not progress.strip():
        raise PlanRefused("progress_missing", PROGRESS_MISSING)
    if attachment is not None and attachment.size and attachment.size > ATTACHMENT_LIMIT_MB * 1024 * 1024:
        raise PlanRefused(
            "attachment_too_large",
            ATTACHMENT_TOO_LARGE.format(
                size=round(attachment.size / 1024 / 1024, 1), limit=ATTACHMENT_LIMIT_MB
            ),
        )
    report = TaskReport(
        task=task,
        department=department,
        period_start=period.start,
        period_end=period.end,
        due_on=period.due_on,
        progress=progress.strip(),
        figures=figures.strip(),
        submitted_by=user,
    )
    if attachment is not None:
        report.attachment.save(attachment.name or "附件", attachment, save=False)
    try:
        with transaction.atomic():
            report.save()
            audit_record(
                action="task_report_submit",
                user=user,
                target=f"{task} {department} {period.label}",
                detail={"report": report.pk, "task": task, "department": department},
            )
    except IntegrityError as error:
        raise PlanRefused(
            "already_reported",
            ALREADY_REPORTED.format(department=department, title=spec.title, period=period.label),
        ) from error
    return report


def task_reminders_send(*, today: date) -> int:
    """Remind every liaison whose department owes a report that is overdue, or due within three
    days: one message per liaison listing the tasks. Returns the number of messages."""
    owed: dict[str, list[str]] = {}
    for item in task_overdue(today=today, soon_days=3):
        owed.setdefault(item.department, []).append(
            f"{item.task.code} {item.task.title}（{item.period.label}，截止 {item.period.due_on or '待定'}）"
            + ("，已逾期" if item.overdue else "")
        )
    sent = 0
    url = reverse("plan:tasks")
    for department, lines in owed.items():
        liaisons = User.objects.filter(role=Role.DEPARTMENT, department=department, is_active=True)
        sent += notification_send(
            users=liaisons,
            subject=f"请报送领军计划任务进度（{len(lines)} 项）",
            body="以下任务的进度尚未报送：\n" + "\n".join(lines),
            url=url,
            kind="plan.task_reminder",
        )
    return sent


#: the demo's hand-entered actuals: (target, value, evidence)
DEMO_ACTUALS = (
    ("new_products", Decimal(96), "区工业和信息化局《重点新产品认定名单》（演示数据）"),
    ("killer_products", Decimal(31), "市科技局“杀手锏”产品名单（演示数据）"),
    ("innovation_institutions", Decimal(8), "区科技局科技创新机构台账（演示数据）"),
    ("talents", Decimal(812), "区人才办人才引进统计表（演示数据）"),
    ("alliances", Decimal(3), "产业联盟成立文件（演示数据）"),
)


def demo_populate(*, today: date, users: dict[str, Any]) -> str:
    """The demo district's programme: hand-entered actuals, task reports of the ended quarters
    (on time, one late; in the last quarter some co-responsible departments still owe theirs), and
    a growth monitoring run."""
    from datetime import timedelta

    from django.core.files.base import ContentFile

    staff = users.get("district_staff")
    period = period_for(today)
    if not TargetActual.objects.exists():
        for target, value, evidence in DEMO_ACTUALS:
            TargetActual.objects.create(
                period=period.code, target=target, value=value, as_of=today - timedelta(days=30),
                evidence=evidence, entered_by=staff,
            )  # fmt: skip
    made = 0
    if not TaskReport.objects.exists():
        ended = [p for p in reporting_periods(today=today)[1:] if p.due_on is not None]
        for n, rp in enumerate(ended):
            for i, task in enumerate(task_catalog().tasks):
                # the last quarter: the co-responsible departments of every third task still owe theirs
                for dept in task.departments:
                    if n == 0 and i % 3 == 0 and dept != task.lead:
                        continue
                    report = TaskReport(
                        task=task.code, department=dept, period_start=rp.start, period_end=rp.end, due_on=rp.due_on,
                        progress=f"{dept}按计划推进“{task.title}”：完成阶段工作，召开推进会 1 次。",
                        figures="推进会：1 次\n走访企业：12 家", submitted_by=users.get("department"),
                    )  # fmt: skip
                    if i == 0 and dept == task.lead:
                        report.attachment.save("进展材料.txt", ContentFile("演示附件".encode()), save=False)
                    report.save()
                    made += 1
                    assert rp.due_on is not None
                    late = n == 1 and i == 1 and dept == task.lead  # one report came in late
                    on = rp.due_on + timedelta(days=5) if late else rp.due_on - timedelta(days=2)
                    TaskReport.objects.filter(pk=report.pk).update(
                        submitted_at=timezone.make_aware(datetime(on.year, on.month, on.day, 10))
                    )
    owed = sum(1 for o in task_overdue(today=today) if o.overdue)
    run = monitoring_compute(as_of=today)
    warned = sum(run.counts.values())
    return f"领军计划：目标完成值 {len(DEMO_ACTUALS)} 项，任务进度报送 {made} 份，逾期未报 {owed} 份；成长性监测 {run.enterprises} 家企业，预警 {warned} 项。"
