"""Demo district (``lingjun demo``): batches of recognition in every phase, with applications in
every state, each moved there through the flow's own services (so every one has its audit trail)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.recognition.models import Application, Batch, Evidence
from lingjun.apps.recognition.services import (
    RecognitionError,
    application_create,
    application_transition,
    batch_announce,
    batch_close,
    batch_create,
    batch_enter,
    batch_open,
    batch_publicity_start,
    checklist_item_set,
    evidence_store,
    objection_file,
    provisional_confirm,
)

#: the path of an application to each demo state (transition codes after it is created)
TO_DISTRICT = ["submit", "recommend"]
TO_MUNICIPAL = [*TO_DISTRICT, "approve"]
TO_READY = [*TO_MUNICIPAL, "municipal_pass"]
STATES: dict[str, list[str]] = {
    "draft": [],
    "town_review": ["submit"],
    "returned": ["submit", "town_return"],
    "district_review": TO_DISTRICT,
    "rejected": [*TO_DISTRICT, "reject"],
    "municipal_review": TO_MUNICIPAL,
    "municipal_rejected": [*TO_MUNICIPAL, "municipal_reject"],
    "ready": TO_READY,
}
COMMENTS = {
    "town_return": "请补充场地租赁合同",
    "return": "审计报告缺少研发费用专项说明，请补正",
    "reject": "成立年限不符合申报条件",
    "municipal_reject": "市级评审专家意见：研发投入强度不足",
    "site_pass": "现场核实研发场地与人员，情况属实",
}


def _file(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n% demo\n", content_type="application/pdf")


def _advance(app: Application, codes: list[str], staff: Any, agency: Any, town: Any) -> Application:
    where: Any = app.enterprise  # town and park are generated from the dossier schema
    if not (town.town and where.town == town.town) and not (town.park and where.park == town.park):
        town = None  # another town's officer: the platform's demo stands in for it
    for code in codes:
        if code == "recommend" and app.phase != "town_review":
            continue  # a batch without 镇街园区推荐
        user = {
            "submit": None,
            "resubmit": None,
            "recommend": town,
            "town_return": town,
            "municipal_pass": agency,
            "municipal_reject": agency,
        }.get(code, staff)
        if code == "submit" and not app.evidence.exists():
            evidence_store(application=app, upload=_file("申报书.pdf"), user=None)
        if code == "approve":
            for item in app.checklist.all():
                if item.mandatory and item.engine_result != "pass":
                    checklist_item_set(item=item, result="pass", reason="已核验原件（演示）", user=staff)
        report = None
        if code in ("site_pass", "site_fail"):
            report = evidence_store(
                application=app, upload=_file("现场考察报告.pdf"), kind=Evidence.Kind.SITE_REPORT, user=staff
            )
        app = application_transition(
            application=app,
            transition=code,
            user=user,
            comment=COMMENTS.get(code, ""),
            evidence=report,
            notify=False,
        )
    return app


def _closed(batch: Batch, closes_on: date) -> None:
    """Close a batch whose demo applications were submitted 'back then' (before its real closing day)."""
    batch_close(batch=batch)
    Batch.objects.filter(pk=batch.pk).update(closes_on=closes_on)
    batch.closes_on = closes_on


def populate(*, today: date, users: dict[str, Any]) -> str:
    """Fill the demo district once: an open 雏鹰 batch with applications in every state before
    公示, a 瞪羚 batch in 公示 (provisional thresholds confirmed per application, an objection
    waiting), a 领军培育 batch at 现场考察, last year's 雏鹰 batch entered with certificates, and a
    科技领军 batch not yet open."""
    staff, agency = users.get("district_staff"), users.get("evaluator")
    town, firm = users.get("town_officer"), users.get("enterprise")
    if staff is None or agency is None or town is None or Batch.objects.exists():
        return ""
    scope = Q(town=town.town) if town.town else Q(park=town.park)
    mine = firm.enterprise_id if firm is not None else None
    others = Enterprise.objects.exclude(pk=mine) if mine is not None else Enterprise.objects.all()
    # the town officer's own first (its queue is not empty), then any of the district
    ids = list(others.filter(scope).order_by("pk").values_list("pk", flat=True)[:30])
    ids += list(others.exclude(pk__in=ids).order_by("pk").values_list("pk", flat=True)[:30])
    if len(ids) < 25:
        return ""
    pool = iter(ids)
    year = today.year
    made = 0

    def apply(batch: Batch, state_codes: list[str], enterprise_id: int | None = None) -> Application:
        nonlocal made
        enterprise = Enterprise.objects.get(pk=enterprise_id or next(pool))
        app = application_create(batch=batch, enterprise=enterprise, user=firm, today=batch.opens_on)
        made += 1
        return _advance(app, state_codes, staff, agency, town)

    # 1. 雏鹰, open: every state before 公示 (the demo enterprise's own is returned for correction)
    open_batch = batch_open(
        batch=batch_create(
            tier="chuying",
            year=year,
            sequence=1,
            opens_on=today - timedelta(days=20),
            closes_on=today + timedelta(days=40),
            user=staff,
        )
    )
    for codes in STATES.values():
        apply(open_batch, codes)
    if mine is not None:
        apply(open_batch, [*TO_DISTRICT, "return"], enterprise_id=mine)

    # 2. 瞪羚, 公示 (begun a few days ago), provisional thresholds confirmed per application
    dengling = batch_open(
        batch=batch_create(
            tier="dengling",
            year=year,
            sequence=1,
            opens_on=today - timedelta(days=90),
            closes_on=today + timedelta(days=30),  # closed below, after its applications
            skip_town=True,
            user=staff,
        )
    )
    listed = [apply(dengling, TO_READY) for _ in range(4)]
    for app in listed:
        provisional_confirm(application=app, user=staff, note="已按暂定标准逐项核实（演示）")
    _closed(dengling, today - timedelta(days=30))
    report = "瞪羚批次公示中，1 条异议待处理"
    try:
        batch_publicity_start(batch=dengling, starts_on=today - timedelta(days=2), user=staff)
        listed[0].refresh_from_db()
        objection_file(
            application=listed[0],
            kind="person",
            name="王某某",
            id_number="11010519491231002X",
            contact="13800000000",
            content="该企业上年度营业收入与纳税申报不符（演示）",
            received_on=today - timedelta(days=1),
            user=staff,
        )
    except RecognitionError as exc:  # a year the calendar does not know: left 待公示
        report = f"瞪羚批次未能公示：{exc.message}"

    # 3. 科技领军培育, closed: at 现场考察, one passed it
    peiyu = batch_open(
        batch=batch_create(
            tier="lingjun_peiyu",
            year=year,
            sequence=1,
            opens_on=today - timedelta(days=60),
            closes_on=today + timedelta(days=30),
            user=staff,
        )
    )
    apply(peiyu, TO_READY)
    _advance(apply(peiyu, TO_READY), ["site_pass"], staff, agency, town)
    _closed(peiyu, today - timedelta(days=10))

    # 4. last year's 雏鹰: 公示, 公告, entered with certificates
    done = batch_open(
        batch=batch_create(
            tier="chuying",
            year=year - 1,
            sequence=2,
            opens_on=date(year - 1, 6, 1),
            closes_on=today + timedelta(days=30),
            user=staff,
        )
    )
    for _ in range(3):
        apply(done, TO_READY)
    _closed(done, date(year - 1, 7, 31))
    try:
        batch_publicity_start(batch=done, starts_on=date(year - 1, 9, 1), user=staff)
        batch_announce(batch=done, user=staff, today=date(year - 1, 9, 20))
        batch_enter(batch=done, user=staff, valid_from=date(year - 1, 9, 20))
    except RecognitionError as exc:
        report += f"；上年度雏鹰批次未能入库：{exc.message}"

    # 5. 科技领军, not yet open
    batch_create(
        tier="lingjun",
        year=year,
        sequence=1,
        opens_on=today + timedelta(days=30),
        closes_on=today + timedelta(days=90),
        user=staff,
    )
    return f"评价认定：5 个批次、{made} 户申报（各办理环节均有）；{report}。"
