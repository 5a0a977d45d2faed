"""Hand-entered actuals, task reports, overdue reports and reminders, the meeting pack."""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.office import sheets_as_read

from lingjun.apps.plan.documents import meeting_pack_pdf, meeting_pack_xlsx
from lingjun.apps.plan.models import TargetActual, TaskReport
from lingjun.apps.plan.selectors import dashboard, reporting_periods, task_overdue, tasks_board
from lingjun.apps.plan.services import (
    EVIDENCE_MISSING,
    NOT_RESPONSIBLE,
    PlanRefused,
    target_actual_record,
    task_reminders_send,
    task_report_submit,
)

pytestmark = pytest.mark.django_db

TODAY = date(2026, 5, 20)  # Q2 2026; Q1 ended 2026-03-31, due 10 working days later


def test_reporting_periods_are_quarters_due_ten_working_days_after(settings: Any) -> None:
    current, q1, q4 = reporting_periods(today=TODAY)[:3]
    assert (current.start, current.end, current.label) == (
        date(2026, 4, 1),
        date(2026, 6, 30),
        "2026年第2季度",
    )
    assert (q1.start, q1.end) == (date(2026, 1, 1), date(2026, 3, 31))
    # 4 April (Sat) and 5–6 April (清明) are holidays: ten working days after 31 March is 15 April
    assert q1.due_on == date(2026, 4, 15)
    assert q4.start == date(2025, 10, 1) and q4.due_on is not None and q4.due_on.year == 2026
    late = reporting_periods(today=date(2026, 12, 7))[0]  # Q4 2026 is due in 2027: not known yet
    assert late.due_on is None and "2027" in late.due_problem


def test_a_hand_entered_actual_needs_its_evidence_and_the_newest_counts(make_user: Any) -> None:
    staff = make_user("district_staff")
    args: dict[str, Any] = {"period": "2019-2022", "target": "talents", "user": staff, "today": TODAY}
    with pytest.raises(PlanRefused) as refused:
        target_actual_record(value=Decimal(10), as_of=TODAY, evidence=" ", **args)
    assert refused.value.message == EVIDENCE_MISSING
    with pytest.raises(PlanRefused) as refused:
        target_actual_record(**{**args, "target": "hnte"}, value=Decimal(10), as_of=TODAY, evidence="x")
    assert refused.value.code == "not_manual"
    target_actual_record(
        value=Decimal(700), as_of=date(2025, 12, 31), evidence="人才办统计表（2025）", **args
    )
    target_actual_record(
        value=Decimal(812), as_of=date(2026, 3, 31), evidence="人才办统计表（2026一季度）", **args
    )
    board = dashboard(as_of=TODAY)
    talents = next(p for p in board.targets if p.target.code == "talents")
    assert talents.actual == Decimal(812) and talents.percent == 81.2
    assert (
        talents.entry is not None
        and talents.entry.entered_by == staff
        and "2026一季度" in talents.entry.evidence
    )
    earlier = next(p for p in dashboard(as_of=date(2026, 1, 5)).targets if p.target.code == "talents")
    assert earlier.actual == Decimal(700)  # as of an earlier day, the entry of then
    assert TargetActual.objects.count() == 2  # every entry is kept


def _report(make_user: Any, department: str = "区工业和信息化局", task: str = "3.4", **kw: Any) -> TaskReport:
    liaison = make_user("department", department=department)
    args: dict[str, Any] = {
        "task": task, "department": department, "period_start": date(2026, 1, 1), "progress": "召开推进会",
        "figures": "走访企业：12 家", "attachment": None, "user": liaison, "today": TODAY,
    }  # fmt: skip
    args.update(kw)
    return task_report_submit(**args)


def test_a_department_reports_its_own_tasks_only_once_per_period(
    make_user: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    attachment = SimpleUploadedFile("进展.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    report = _report(make_user, attachment=attachment)
    assert report.due_on == date(2026, 4, 15) and report.attachment.name.endswith(".pdf")
    with pytest.raises(PlanRefused) as refused:
        _report(make_user)
    assert refused.value.code == "already_reported"
    with pytest.raises(PlanRefused) as refused:
        _report(make_user, department="区税务局")  # 3.4 is not the tax bureau's
    assert refused.value.message == NOT_RESPONSIBLE.format(
        department="区税务局", title="打造市场营销推广平台（应用场景）"
    )
    with pytest.raises(PlanRefused) as refused:
        _report(make_user, period_start=date(2026, 2, 1))
    assert refused.value.code == "not_a_period"


def test_overdue_reports_are_listed_and_their_liaisons_reminded(
    make_user: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from lingjun.apps.notifications.models import Notification

    liaison = make_user("department", department="区工业和信息化局", email="gxj@example.cn")
    _report(make_user, task="3.4")  # 3.4 reported for Q1; 3.1 and 3.3 (co-responsible) are not
    owed = {
        (o.task.code, o.period.label)
        for o in task_overdue(today=TODAY, department="区工业和信息化局")
        if o.overdue
    }
    assert ("3.1", "2026年第1季度") in owed and ("3.3", "2026年第1季度") in owed
    assert ("3.4", "2026年第1季度") not in owed
    board = {row.task.code: row for row in tasks_board(today=TODAY, department="区工业和信息化局")}
    assert set(board) == {"3.1", "3.3", "3.4"}
    assert board["3.4"].reports and not any(o.period.label == "2026年第1季度" for o in board["3.4"].owed)

    with django_capture_on_commit_callbacks(execute=True):
        sent = task_reminders_send(today=TODAY)
    assert sent >= 2  # the liaison made here and the one who reported
    message = next(m for m in mail.outbox if "gxj@example.cn" in m.to)
    assert "请报送领军计划任务进度" in message.subject and "3.1 打造高端研发设计平台" in message.body
    assert "已逾期" in message.body
    assert Notification.objects.filter(user=liaison, kind="plan.task_reminder").count() == 1


def test_the_tasks_page_highlights_overdue_reports(make_user: Any, client_as: Any) -> None:
    staff = make_user("district_staff")
    html = client_as(staff).get(reverse("plan:tasks")).content.decode()
    assert re.search(r'<tr class="overdue" data-task="3\.1">', html)  # nobody reported anything yet
    liaison = make_user("department", department="区税务局")
    html = client_as(liaison).get(reverse("plan:tasks")).content.decode()
    assert 'data-task="3.1"' in html and 'data-task="3.2"' not in html  # a liaison sees its own tasks


def test_a_liaison_reports_through_the_form(
    make_user: Any, client_as: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    liaison = make_user("department", department="区税务局")
    client = client_as(liaison)
    period = reporting_periods(today=date.today())[1]
    response = client.post(
        reverse("plan:task_report"),
        {"task": "3.1", "period_start": period.start.isoformat(), "progress": "完成研发投入后补贴申报受理",
         "figures": "受理：35 家", "attachment": SimpleUploadedFile("名单.xlsx", b"PK\x03\x04")},
    )  # fmt: skip
    assert response.status_code == 302
    report = TaskReport.objects.get()
    assert (report.department, report.task, report.submitted_by) == ("区税务局", "3.1", liaison)
    download = client.get(reverse("plan:report_attachment", args=[report.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"PK\x03\x04"
    other = make_user("department", department="区商务局")
    assert client_as(other).get(reverse("plan:report_attachment", args=[report.pk])).status_code == 404


@pytest.fixture
def reported(make_user: Any) -> None:
    _report(make_user, task="3.4")
    TaskReport.objects.update(submitted_at=datetime(2026, 4, 20, 10, 0).astimezone())  # after 15 April: late


def test_the_meeting_pack_pdf_has_targets_tasks_and_overdue_items(reported: None, tmp_path: Path) -> None:
    path = tmp_path / "pack.pdf"
    path.write_bytes(meeting_pack_pdf(today=TODAY))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "区科技型中小企业发展工作领导小组会议材料" in text
    assert "一、发展目标完成情况" in text and "国家高新技术企业" in text and "800家" in text
    assert "二、重点任务推进情况" in text and "打造市场营销推广平台" in text
    assert "三、逾期未报送事项" in text and "区合作交流办" in text
    assert re.search(r"第\s*1\s*页\s*共\s*\d+\s*页", text)
    subprocess.run(["pdftoppm", "-r", "20", "-png", str(path), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p-*.png"))


def test_the_meeting_pack_workbook_opens_in_libreoffice(reported: None, tmp_path: Path) -> None:
    path = tmp_path / "pack.xlsx"
    path.write_bytes(meeting_pack_xlsx(today=TODAY))
    sheets = sheets_as_read(path, tmp_path / "seen")
    assert set(sheets) == {"发展目标", "重点任务", "逾期未报"}
    targets = sheets["发展目标"]
    assert targets[0][:3] == ["目标", "依据", "目标值"] and len(targets) == 14
    assert targets[1][0] == "国家高新技术企业" and targets[1][2] == "800"
    tasks = {r[0]: r for r in sheets["重点任务"][1:]}
    assert tasks["3.4"][5] == "1"  # one report
    overdue = sheets["逾期未报"]
    assert ["3.1", "打造高端研发设计平台", "区科技局", "2026年第1季度", "2026-04-15"] in [
        r[:5] for r in overdue
    ]
    assert not any(
        r[0] == "3.4" and r[2] == "区工业和信息化局" and r[3] == "2026年第1季度" for r in overdue[1:]
    )
