"""The whole flow at the service level: an application walks every phase to 入库 and a certificate;
every transition leaves an audit row; the rules of the road (three municipal rejections, scope,
documents, the checklist, the provisional gate, objections)."""

from __future__ import annotations

import subprocess
from datetime import date
from typing import Any

import pytest

from lingjun.apps.notifications.models import Notification
from lingjun.apps.recognition.flow import PHASES, TRANSITIONS, phases_of
from lingjun.apps.recognition.models import Application, Objection, ProvisionalConfirmation, Transition
from lingjun.apps.recognition.services import (
    CHANGED,
    ApplicationChanged,
    RecognitionError,
    application_create,
    application_transition,
    batch_announce,
    batch_close,
    batch_enter,
    batch_publicity_start,
    certificate_dir,
    evidence_store,
    objection_file,
    objection_resolve,
    provisional_confirm,
)

from .conftest import pass_checklist, upload

TODAY = date(2026, 6, 1)


def _to_district(batch: Any, firm: Any, roles: dict[str, Any]) -> Application:
    app = application_create(batch=batch, enterprise=firm, user=roles["firm"], today=TODAY)
    evidence_store(application=app, upload=upload(), user=roles["firm"])
    app = application_transition(application=app, transition="submit", user=roles["firm"])
    if app.phase == "town_review":
        app = application_transition(application=app, transition="recommend", user=roles["town"])
    assert app.phase == "district_review"
    return app


def _to_ready(batch: Any, firm: Any, roles: dict[str, Any]) -> Application:
    app = _to_district(batch, firm, roles)
    pass_checklist(app, roles["staff"])
    app = application_transition(application=app, transition="approve", user=roles["staff"])
    app = application_transition(application=app, transition="municipal_pass", user=roles["evaluator"])
    if app.phase == "site_visit":
        report = evidence_store(
            application=app, upload=upload("考察报告.pdf"), kind="site_report", user=roles["staff"]
        )
        app = application_transition(
            application=app, transition="site_pass", user=roles["staff"], evidence=report, comment="现场核实"
        )
    assert app.phase == "ready"
    return app


def test_flow_is_data_with_public_names_actions_and_documents():
    codes = {p.code for p in PHASES}
    for t in TRANSITIONS:
        assert t.source in codes and (t.target == "" or t.target in codes)
        assert t.action.startswith("recognition.")
    assert [p.code for p in phases_of(tier="chuying", skip_town=True)][:3] == [
        "draft",
        "district_review",
        "municipal_review",
    ]
    assert "site_visit" in [p.code for p in phases_of(tier="lingjun_peiyu", skip_town=False)]
    assert "site_visit" not in [p.code for p in phases_of(tier="dengling", skip_town=False)]


def test_an_application_walks_every_phase_to_entry_and_a_certificate(
    make_batch, firm, roles, django_capture_on_commit_callbacks
):
    batch = make_batch("lingjun")
    assert batch.policy_id == "tianjin.lingjun.2021" and batch.provisional
    app = application_create(batch=batch, enterprise=firm, user=roles["firm"], today=TODAY)
    assert app.phase == "draft" and app.self_evaluation["criteria"]
    with pytest.raises(RecognitionError) as info:  # no evidence yet
        application_transition(application=app, transition="submit", user=roles["firm"])
    assert info.value.code == "needs_evidence"
    evidence_store(application=app, upload=upload(), user=roles["firm"])
    app = application_transition(application=app, transition="submit", user=roles["firm"])
    assert app.phase == "town_review"
    # the town officer of another town does not reach it
    with pytest.raises(RecognitionError) as info:
        application_transition(application=app, transition="recommend", user=roles["other_town"])
    assert info.value.code == "forbidden"
    app = application_transition(
        application=app, transition="town_return", user=roles["town"], comment="补充场地证明"
    )
    assert app.phase == "returned"
    told = Notification.objects.filter(user=roles["firm"]).latest("id")
    assert "退回企业修改" in told.subject and "补充场地证明" in told.body
    app = application_transition(application=app, transition="resubmit", user=roles["firm"])
    app = application_transition(application=app, transition="recommend", user=roles["town"])
    assert app.phase == "district_review"
    # the checklist is pre-filled by the engine, one item per criterion of the batch's policy
    items = list(app.checklist.all())
    assert {i.criterion for i in items} >= {"other_conditions"}
    if any(i.mandatory and i.engine_result != "pass" for i in items):
        with pytest.raises(RecognitionError) as info:
            application_transition(application=app, transition="approve", user=roles["staff"])
        assert info.value.code == "checklist"
    pass_checklist(app, roles["staff"])
    app = application_transition(application=app, transition="approve", user=roles["staff"])
    assert app.phase == "municipal_review"
    app = application_transition(application=app, transition="municipal_pass", user=roles["evaluator"])
    assert app.phase == "site_visit"  # 科技领军: on-site investigation
    with pytest.raises(RecognitionError) as info:
        application_transition(application=app, transition="site_pass", user=roles["staff"])
    assert info.value.code == "needs_report"
    report = evidence_store(
        application=app, upload=upload("考察报告.pdf"), kind="site_report", user=roles["staff"]
    )
    app = application_transition(
        application=app, transition="site_pass", user=roles["staff"], evidence=report
    )
    assert app.phase == "ready"
    batch_close(batch=batch)
    # provisional gate: the 领军 conditions not found must be confirmed for this application
    with pytest.raises(RecognitionError) as info:
        batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    assert info.value.code == "provisional" and firm.name in info.value.message
    provisional_confirm(application=app, user=roles["staff"], note="已逐项核实")
    with django_capture_on_commit_callbacks(execute=True):  # the list's messages go out after commit
        batch = batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    assert "列入公示" in Notification.objects.filter(user=roles["firm"]).latest("id").subject
    # 7 working days from Mon 8 June 2026: 8-12, 15, 16 June (no holiday in between)
    assert (batch.publicity_starts_on, batch.publicity_ends_on) == (date(2026, 6, 8), date(2026, 6, 16))
    app.refresh_from_db()
    assert app.phase == "publicity"
    objection = objection_file(
        application=app,
        kind="person",
        name="王某某",
        id_number="11010519491231002X",
        contact="13800000000",
        content="研发人员数量不实",
        received_on=date(2026, 6, 10),
        user=roles["staff"],
    )
    app.refresh_from_db()
    assert app.phase == "objection"
    with pytest.raises(RecognitionError) as info:
        batch_announce(batch=batch, user=roles["staff"], today=date(2026, 6, 17))
    assert info.value.code == "objections"
    objection_resolve(
        objection=objection,
        outcome=Objection.Outcome.DISMISSED,
        note="经核查社保记录属实",
        user=roles["staff"],
    )
    app.refresh_from_db()
    assert app.phase == "publicity"
    with pytest.raises(RecognitionError) as info:  # not before the end of the 公示
        batch_announce(batch=batch, user=roles["staff"], today=date(2026, 6, 16))
    assert info.value.code == "publicity"
    batch_announce(batch=batch, user=roles["staff"], today=date(2026, 6, 17))
    with django_capture_on_commit_callbacks(execute=True):
        assert batch_enter(batch=batch, user=roles["staff"]) == 1
    app.refresh_from_db()
    assert app.phase == "entered" and app.registration_number
    text = subprocess.run(
        ["pdftotext", "-layout", str(certificate_dir() / app.certificate), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "科技领军企业证书" in text and firm.name in text and app.registration_number in text
    assert "2026年6月17日" in text and "盖章处" in text
    # every transition left an audit row: who, from, to
    rows = list(
        Transition.objects.filter(application=app).values_list("code", "from_phase", "to_phase", "username")
    )
    assert [r[0] for r in rows] == [
        "submit",
        "town_return",
        "resubmit",
        "recommend",
        "approve",
        "municipal_pass",
        "site_pass",
        "publicize",
        "object",
        "objection_dismissed",
        "announce",
        "enter",
    ]
    for (_, _, to, _), (_, frm, _, _) in zip(rows, rows[1:], strict=False):
        assert to == frm  # an unbroken chain of phases
    assert rows[0][3] == "企业经办人" and rows[4][3] == "区局科员"
    assert Transition.objects.filter(application=app, code="site_pass").get().evidence == report
    assert "入库" in Notification.objects.filter(user=roles["firm"]).latest("id").subject


def test_skipped_town_and_no_site_visit_below_lingjun(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    app = _to_district(batch, firm, roles)
    assert not app.transitions.filter(code="recommend").exists()
    pass_checklist(app, roles["staff"])
    app = application_transition(application=app, transition="approve", user=roles["staff"])
    app = application_transition(application=app, transition="municipal_pass", user=roles["evaluator"])
    assert app.phase == "ready"


def test_a_filing_rejected_three_times_at_municipal_level_cannot_be_resubmitted(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    app = _to_district(batch, firm, roles)
    for n in range(1, 4):
        pass_checklist(app, roles["staff"])
        app = application_transition(application=app, transition="approve", user=roles["staff"])
        app = application_transition(
            application=app, transition="municipal_reject", user=roles["evaluator"], comment=f"第{n}次未通过"
        )
        assert app.phase == "municipal_rejected" and app.municipal_rejections == n
        if n < 3:
            app = application_transition(application=app, transition="reapply", user=roles["firm"])
    with pytest.raises(RecognitionError) as info:
        application_transition(application=app, transition="reapply", user=roles["firm"])
    assert info.value.code == "three_rejections" and "津科规〔2019〕3号" in info.value.message
    # nor in a new batch of the same tier
    with pytest.raises(RecognitionError) as info:
        application_create(batch=make_batch("chuying"), enterprise=firm, user=roles["firm"], today=TODAY)
    assert info.value.code == "three_rejections"
    # another tier is another filing
    assert application_create(batch=make_batch("dengling"), enterprise=firm, user=roles["firm"], today=TODAY)


def test_a_second_officer_acting_on_the_old_phase_is_told_who_moved_it(make_batch, firm, roles):
    app = _to_district(make_batch("chuying", skip_town=True), firm, roles)
    stale = Application.objects.get(pk=app.pk)
    application_transition(application=app, transition="return", user=roles["staff"], comment="缺审计报告")
    with pytest.raises(ApplicationChanged) as info:
        application_transition(application=stale, transition="reject", user=roles["staff2"], comment="不符合")
    assert info.value.message == CHANGED.format(who="区局科员", phase="退回修改")
    assert Transition.objects.filter(application=app, code="reject").count() == 0


def test_returns_and_rejections_need_a_reason(make_batch, firm, roles):
    app = _to_district(make_batch("chuying", skip_town=True), firm, roles)
    for code in ("return", "reject"):
        with pytest.raises(RecognitionError) as info:
            application_transition(application=app, transition=code, user=roles["staff"], comment=" ")
        assert info.value.code == "needs_comment"


def test_transitions_are_append_only(make_batch, firm, roles):
    app = _to_district(make_batch("chuying", skip_town=True), firm, roles)
    row = Transition.objects.filter(application=app).first()
    assert row is not None
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        Transition.objects.filter(application=app).update(comment="x")
    with pytest.raises(PermissionError):
        Transition.objects.filter(application=app).delete()


def test_checklist_change_needs_a_reason(make_batch, firm, roles):
    from lingjun.apps.recognition.services import checklist_item_set

    app = _to_district(make_batch("chuying", skip_town=True), firm, roles)
    item = app.checklist.get(criterion=app.checklist.values_list("criterion", flat=True)[0])
    other = "fail" if item.engine_result == "pass" else "pass"
    with pytest.raises(RecognitionError) as info:
        checklist_item_set(item=item, result=other, reason="", user=roles["staff"])
    assert info.value.code == "reason"
    checklist_item_set(item=item, result=other, reason="复核原件", user=roles["staff"])
    item.refresh_from_db()
    assert item.result == other and item.decided_by == roles["staff"]


def test_provisional_gate_is_per_application(make_batch, pool, roles, make_user):
    from lingjun.apps.enterprises.models import Enterprise

    batch = make_batch("dengling", skip_town=True)
    assert {i["key"] for i in batch.provisional} >= {"param:rd_intensity_min"}
    firms = [Enterprise.objects.get(uscc=u) for u in pool[:2]]
    for f in firms:
        make_user("enterprise", enterprise_uscc=f.uscc)
    apps = []
    for f in firms:
        users = {**roles, "firm": f.users.first()}
        apps.append(_to_ready(batch, f, users))
    provisional_confirm(application=apps[0], user=roles["staff"])
    with pytest.raises(RecognitionError) as info:
        batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    assert info.value.code == "provisional"
    assert firms[1].name in info.value.message and firms[0].name not in info.value.message
    provisional_confirm(application=apps[1], user=roles["staff2"])
    batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    confirmations = ProvisionalConfirmation.objects.filter(application__batch=batch)
    assert {c.username for c in confirmations} == {"区局科员", "区局科员乙"}


def test_no_gate_without_provisional_parameters(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    assert batch.provisional == []
    _to_ready(batch, firm, roles)
    batch = batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    assert batch.status == "publicity"


def test_publicity_refuses_a_year_the_calendar_does_not_know(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    _to_ready(batch, firm, roles)
    with pytest.raises(RecognitionError) as info:
        batch_publicity_start(batch=batch, starts_on=date(2028, 3, 1), user=roles["staff"])
    assert info.value.code == "workdays_unknown" and "2028 年" in info.value.message
    batch.refresh_from_db()
    assert batch.status != "publicity" and batch.publicity_ends_on is None


def test_publicity_ends_after_seven_working_days_across_a_holiday(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True)
    _to_ready(batch, firm, roles)
    # 2026 National Day: 1-7 October off, Sat 10 October a working day
    batch = batch_publicity_start(batch=batch, starts_on=date(2026, 9, 28), user=roles["staff"])
    assert batch.publicity_ends_on == date(2026, 10, 12)


def test_the_rejection_limit_is_a_parameter_of_the_batch(make_batch, firm, roles):
    batch = make_batch("chuying", skip_town=True, municipal_rejection_limit=None)
    app = _to_district(batch, firm, roles)
    for n in range(1, 5):
        pass_checklist(app, roles["staff"])
        app = application_transition(application=app, transition="approve", user=roles["staff"])
        app = application_transition(
            application=app, transition="municipal_reject", user=roles["evaluator"], comment=f"第{n}次"
        )
        app = application_transition(application=app, transition="reapply", user=roles["firm"])
    assert app.phase == "district_review" and app.municipal_rejections == 4


def test_a_batch_evaluates_with_the_parameters_fixed_when_it_opened(make_batch, firm):
    from lingjun.apps.recognition.services import engine_evaluation

    batch = make_batch("chuying")
    assert batch.parameters["max_age"]["yaml"] == "8" and batch.parameters["max_age"]["value"] == "8"

    def age(evaluation):
        return next(c["result"] for c in evaluation["criteria"] if c["id"] == "age")

    assert age(engine_evaluation(batch=batch, enterprise=firm)) == "pass"  # registered 2018-04-12
    # as if the library's value changed after the batch opened: the batch keeps its own
    batch.parameters["max_age"]["yaml"] = "5"
    assert age(engine_evaluation(batch=batch, enterprise=firm)) == "fail"


def test_every_transition_of_the_flow_leaves_one_audit_row(make_batch, pool, roles, make_user):
    """Each transition code, taken once somewhere, leaves exactly one row per application moved."""
    from lingjun.apps.enterprises.models import Enterprise
    from lingjun.apps.recognition.flow import TRANSITIONS

    firms: list[Any] = [Enterprise.objects.get(uscc=u) for u in pool]  # town: generated from the schema
    batch = make_batch("lingjun_peiyu")
    for f in firms[1:]:
        make_user("enterprise", enterprise_uscc=f.uscc)
    users = [
        {
            **roles,
            "firm": f.users.first(),
            "town": roles["town"] if f.town == "杨村街道" else make_user("town_officer", town=f.town),
        }
        for f in firms
    ]
    # 1: rejected by the district; 2: municipal reject, reapply, site visit fails; 3: objection upheld
    a = _to_district(batch, firms[0], users[0])
    a = application_transition(application=a, transition="return", user=roles["staff"], comment="补正")
    a = application_transition(application=a, transition="resubmit", user=users[0]["firm"])
    a = application_transition(application=a, transition="recommend", user=users[0]["town"])
    application_transition(application=a, transition="reject", user=roles["staff"], comment="不符合")
    b = _to_district(batch, firms[1], users[1])
    pass_checklist(b, roles["staff"])
    b = application_transition(application=b, transition="approve", user=roles["staff"])
    b = application_transition(
        application=b, transition="municipal_reject", user=roles["evaluator"], comment="否"
    )
    b = application_transition(application=b, transition="reapply", user=users[1]["firm"])
    b = application_transition(application=b, transition="approve", user=roles["staff"])
    b = application_transition(application=b, transition="municipal_pass", user=roles["evaluator"])
    report = evidence_store(application=b, upload=upload("报告.pdf"), kind="site_report", user=roles["staff"])
    b = application_transition(
        application=b, transition="site_fail", user=roles["staff"], evidence=report, comment="场地不符"
    )
    c = _to_ready(batch, firms[2], users[2])
    provisional_confirm(application=c, user=roles["staff"])
    batch_publicity_start(batch=batch, starts_on=date(2026, 6, 8), user=roles["staff"])
    c.refresh_from_db()
    o = objection_file(
        application=c,
        kind="person",
        name="王某某",
        id_number="11010519491231002X",
        contact="1",
        content="x",
        received_on=date(2026, 6, 9),
        user=roles["staff"],
    )
    objection_resolve(objection=o, outcome="upheld", note="属实", user=roles["staff"])
    seen = set(Transition.objects.values_list("code", flat=True))
    # the rest of the codes are walked in test_an_application_walks_every_phase_to_entry_and_a_certificate
    walked = {"town_return", "objection_dismissed", "announce", "enter"}
    assert {t.code for t in TRANSITIONS} - seen == walked
    for app in (a, b, c):
        rows = list(
            Transition.objects.filter(application=app).order_by("id").values_list("from_phase", "to_phase")
        )
        assert all(prev[1] == nxt[0] for prev, nxt in zip(rows, rows[1:], strict=False))
        app.refresh_from_db()
        assert rows[-1][1] == app.phase == "rejected"
