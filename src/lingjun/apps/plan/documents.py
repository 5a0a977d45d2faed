"""The leading group's meeting pack (领导小组会议材料): targets, tasks, overdue reports, as PDF
(WeasyPrint, Noto Sans CJK, numbered pages) and as an Excel workbook (text through cellsafe)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from django.template.loader import render_to_string

from lingjun.apps.plan.selectors import Dashboard, Owed, TaskRow, dashboard, task_overdue, tasks_board
from lingjun.cellsafe import cell_text


@dataclass
class MeetingPack:
    today: date
    board: Dashboard
    tasks: list[TaskRow]
    overdue: list[Owed]


def meeting_pack(*, today: date) -> MeetingPack:
    return MeetingPack(
        today=today,
        board=dashboard(as_of=today),
        tasks=tasks_board(today=today),
        overdue=[o for o in task_overdue(today=today) if o.overdue],
    )


def meeting_pack_pdf(*, today: date) -> bytes:
    from weasyprint import HTML

    html = render_to_string("plan/meeting_pack_pdf.html", {"pack": meeting_pack(today=today)})
    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


def meeting_pack_xlsx(*, today: date) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    pack = meeting_pack(today=today)
    wb = Workbook()
    targets = wb.active
    assert targets is not None
    targets.title = "发展目标"
    targets.append(["目标", "依据", "目标值", "单位", "完成值", "完成率(%)", "来源"])
    for p in pack.board.targets:
        source = "手工录入" if p.target.manual else "平台统计"
        actual = None if p.actual is None else float(p.actual)
        targets.append(
            [
                cell_text(p.target.label),
                cell_text(p.target.reference),
                p.target.value,
                p.target.unit,
                actual,
                p.percent,
                source,
            ]
        )
    tasks = wb.create_sheet("重点任务")
    tasks.append(["编号", "依据", "任务", "牵头部门", "配合部门", "已报送（份）", "逾期未报（份）"])
    for row in pack.tasks:
        tasks.append(
            [
                cell_text(row.task.code),
                cell_text(row.task.reference),
                cell_text(row.task.title),
                cell_text(row.task.lead),
                cell_text("、".join(row.task.co)),
                len(row.reports),
                sum(1 for o in row.owed if o.overdue),
            ]
        )
    overdue = wb.create_sheet("逾期未报")
    overdue.append(["任务编号", "任务", "部门", "报送期", "截止日期"])
    for o in pack.overdue:
        overdue.append(
            [
                cell_text(o.task.code),
                cell_text(o.task.title),
                cell_text(o.department),
                cell_text(o.period.label),
                o.period.due_on,
            ]
        )
    for ws in (targets, tasks, overdue):
        for cell in ws[1]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "A2"
        ws.column_dimensions["A"].width = 28
        ws.column_dimensions["C"].width = 30
    for cell in overdue["E"][1:]:
        cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
