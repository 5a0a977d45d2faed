"""The pages per role, and bulk actions that apply to every application matching the filter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from tests.factories import build_dossier

from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.enterprises.services import dossiers_apply
from lingjun.apps.recognition.models import Application, Transition
from lingjun.apps.recognition.services import application_bulk_transition


def test_the_enterprise_applies_uploads_and_submits_through_its_pages(make_batch, roles, client_as):
    batch = make_batch("chuying")
    firm = client_as(roles["firm"])
    page = firm.get(reverse("recognition:mine"))
    assert batch.name in page.content.decode()
    response = firm.post(reverse("recognition:apply", args=[batch.pk]))
    app = Application.objects.get(batch=batch)
    assert response["Location"] == reverse("recognition:application", args=[app.pk])
    detail = firm.get(response["Location"]).content.decode()
    assert "企业自评" in detail and "企业自评/申报" in detail
    # submitting without evidence is refused with the reason
    response = firm.post(
        reverse("recognition:transition", args=[app.pk]), {"transition": "submit"}, follow=True
    )
    assert "请先上传申报材料" in response.content.decode()
    big = SimpleUploadedFile("大.pdf", b"x" * 10, content_type="application/pdf")
    firm.post(reverse("recognition:evidence_upload", args=[app.pk]), {"files": [big]})
    response = firm.post(
        reverse("recognition:transition", args=[app.pk]),
        {"transition": "submit", "expected_phase": "draft"},
        follow=True,
    )
    app.refresh_from_db()
    assert app.phase == "town_review" and "已办理：提交申报" in response.content.decode()
    # the town officer sees it in its queue and recommends it
    town = client_as(roles["town"])
    queue = town.get(reverse("recognition:queue")).content.decode()
    assert app.enterprise.name in queue
    town.post(
        reverse("recognition:transition", args=[app.pk]),
        {"transition": "recommend", "expected_phase": "town_review"},
    )
    app.refresh_from_db()
    assert app.phase == "district_review"
    # a town officer of another town does not even see it
    assert (
        client_as(roles["other_town"]).get(reverse("recognition:application", args=[app.pk])).status_code
        == 404
    )


def test_an_evidence_file_above_the_limit_is_refused(make_batch, roles, client_as, settings):
    settings.LINGJUN_EVIDENCE_MAX_MB = 1
    batch = make_batch("chuying")
    firm = client_as(roles["firm"])
    firm.post(reverse("recognition:apply", args=[batch.pk]))
    app = Application.objects.get(batch=batch)
    big = SimpleUploadedFile("大.pdf", b"x" * (1024 * 1024 + 1), content_type="application/pdf")
    response = firm.post(reverse("recognition:evidence_upload", args=[app.pk]), {"files": [big]}, follow=True)
    assert "超过上限 1 MB" in response.content.decode() and not app.evidence.exists()
    exe = SimpleUploadedFile("a.exe", b"MZ", content_type="application/octet-stream")
    response = firm.post(reverse("recognition:evidence_upload", args=[app.pk]), {"files": [exe]}, follow=True)
    assert "类型不被接受" in response.content.decode()


def _many(batch: Any, n: int, town: str = "杨村街道", start: int = 100) -> list[int]:
    dossiers = [build_dossier(start + i, town=town) for i in range(n)]
    dossiers_apply(dossiers=dossiers, user=None, source="import")
    ids = list(Enterprise.objects.filter(uscc__in=[d["uscc"] for d in dossiers]).values_list("pk", flat=True))
    Application.objects.bulk_create(
        [Application(batch=batch, enterprise_id=pk, phase="municipal_review") for pk in ids]
    )
    return ids


def test_a_bulk_action_applies_to_every_matching_application_not_only_the_page(make_batch, roles, client_as):
    batch = make_batch("chuying")
    _many(batch, 60)  # more than a page (50)
    other = make_batch("chuying")
    _many(other, 3)
    evaluator = client_as(roles["evaluator"])
    page = evaluator.get(reverse("recognition:queue"), {"batch": batch.pk, "phase": "municipal_review"})
    assert page.content.decode().count("data-application=") == 50
    response = evaluator.post(
        reverse("recognition:queue"),
        {"batch": batch.pk, "phase": "municipal_review", "transition": "municipal_pass"},
        follow=True,
    )
    assert "已批量办理“市级评审通过”：60 户" in response.content.decode()
    assert set(batch.applications.values_list("phase", flat=True)) == {"ready"}
    assert set(other.applications.values_list("phase", flat=True)) == {
        "municipal_review"
    }  # outside the filter
    rows = Transition.objects.filter(application__batch=batch)
    assert rows.count() == 60 and set(
        rows.values_list("code", "from_phase", "to_phase", "username", "bulk")
    ) == {("municipal_pass", "municipal_review", "ready", "评价机构", True)}


def test_bulk_actions_stay_in_the_users_scope_and_need_reasons(make_batch, roles):
    batch = make_batch("chuying")
    _many(batch, 4, town="杨村街道")
    _many(batch, 3, town="梅厂镇", start=200)
    Application.objects.filter(batch=batch).update(phase="town_review")
    moved = application_bulk_transition(
        applications=Application.objects.filter(batch=batch), transition="recommend", user=roles["town"]
    )
    assert moved == 4
    assert batch.applications.filter(phase="town_review", enterprise__town="梅厂镇").count() == 3
    from lingjun.apps.recognition.services import RecognitionError

    with pytest.raises(RecognitionError) as info:
        application_bulk_transition(
            applications=Application.objects.filter(batch=batch),
            transition="municipal_reject",
            user=roles["evaluator"],
        )
    assert info.value.code == "needs_comment"
    with pytest.raises(RecognitionError) as info:  # per application only: it needs a report
        application_bulk_transition(
            applications=Application.objects.filter(batch=batch), transition="site_pass", user=roles["staff"]
        )
    assert info.value.code == "bulk"


def test_bulk_approval_leaves_applications_with_an_open_checklist(make_batch, roles):
    from lingjun.apps.recognition.models import ChecklistItem

    batch = make_batch("chuying")
    _many(batch, 3)
    apps = list(batch.applications.order_by("pk"))
    Application.objects.filter(batch=batch).update(phase="district_review")
    ChecklistItem.objects.create(application=apps[0], criterion="a", label="条件甲", engine_result="fail")
    ChecklistItem.objects.create(
        application=apps[1],
        criterion="a",
        label="条件甲",
        engine_result="unknown",
        officer_result="pass",
        reason="核实",
    )
    ChecklistItem.objects.create(application=apps[2], criterion="a", label="条件甲", engine_result="pass")
    moved = application_bulk_transition(
        applications=batch.applications.all(), transition="approve", user=roles["staff"]
    )
    assert moved == 2
    assert Application.objects.get(pk=apps[0].pk).phase == "district_review"


def test_the_district_queue_counts_every_phase(make_batch, roles, client_as):
    batch = make_batch("chuying")
    _many(batch, 5)
    Application.objects.filter(pk__in=list(batch.applications.values_list("pk", flat=True)[:2])).update(
        phase="ready"
    )
    html = client_as(roles["staff"]).get(reverse("recognition:queue"), {"batch": batch.pk}).content.decode()
    assert 'data-phase="ready">2<' in html and 'data-phase="municipal_review">3<' in html


def test_the_publicity_form_shows_the_calendars_refusal_for_2028(make_batch, roles, client_as):
    batch = make_batch("chuying")
    _many(batch, 1)
    batch.applications.update(phase="ready")
    staff = client_as(roles["staff"])
    response = staff.post(
        reverse("recognition:batch", args=[batch.pk]),
        {"op": "publicity", "starts_on": "2028-03-01"},
        follow=True,
    )
    html = response.content.decode()
    assert "2028 年的法定节假日和调休安排尚未录入，无法按工作日计算日期" in html
    batch.refresh_from_db()
    assert batch.status == "open" and batch.publicity_ends_on is None


def test_batch_management_creates_and_opens_a_batch(roles, client_as, pool):
    staff = client_as(roles["staff"])
    response = staff.post(
        reverse("recognition:batches"),
        {
            "tier": "dengling",
            "year": "2026",
            "sequence": "2",
            "opens_on": "2026-05-01",
            "closes_on": "2026-07-31",
        },
        follow=True,
    )
    assert "已创建批次“2026年瞪羚企业第2批评价”" in response.content.decode()
    from lingjun.apps.recognition.models import Batch

    batch = Batch.objects.get(tier="dengling", sequence=2)
    response = staff.post(reverse("recognition:batch", args=[batch.pk]), {"op": "open"}, follow=True)
    batch.refresh_from_db()
    assert batch.status == "open" and batch.policy_id == "tianjin.dengling.2021"
    html = response.content.decode()
    assert "暂定内容" in html and "研发" in html  # the provisional 瞪羚 thresholds, shown on the batch
    # the evaluator may publish but not manage batches
    response = client_as(roles["evaluator"]).post(
        reverse("recognition:batch", args=[batch.pk]), {"op": "close"}, follow=True
    )
    assert "您不能对批次执行这一操作" in response.content.decode()


def test_the_enterprise_does_not_see_who_objected(make_batch, roles, client_as):
    from lingjun.apps.recognition.services import objection_file

    batch = make_batch("chuying")
    firm_app = Application.objects.create(batch=batch, enterprise=roles["firm"].enterprise, phase="publicity")
    batch.publicity_starts_on, batch.publicity_ends_on = date(2026, 6, 1), date(2026, 6, 9)
    batch.save()
    objection = objection_file(
        application=firm_app,
        kind="unit",
        name="天津异议单位有限公司",
        contact="022-1234",
        content="内容",
        received_on=date(2026, 6, 2),
        user=roles["staff"],
        document=SimpleUploadedFile("异议函.pdf", b"%PDF", content_type="application/pdf"),
    )
    url = reverse("recognition:application", args=[firm_app.pk])
    assert "天津异议单位有限公司" in client_as(roles["staff"]).get(url).content.decode()
    assert "天津异议单位有限公司" not in client_as(roles["firm"]).get(url).content.decode()
    letter = reverse("recognition:evidence", args=[objection.document_id])
    assert client_as(roles["firm"]).get(letter).status_code == 404
    assert client_as(roles["staff"]).get(letter).status_code == 200


def test_a_draft_cannot_be_submitted_after_the_batch_closed(make_batch, firm, roles):
    from lingjun.apps.recognition.services import (
        RecognitionError,
        application_create,
        application_transition,
        batch_close,
        evidence_store,
    )

    from .conftest import upload

    batch = make_batch("chuying")
    app = application_create(batch=batch, enterprise=firm, user=roles["firm"])
    evidence_store(application=app, upload=upload(), user=roles["firm"])
    batch_close(batch=batch)
    app.refresh_from_db()
    with pytest.raises(RecognitionError) as info:
        application_transition(application=app, transition="submit", user=roles["firm"])
    assert info.value.code == "batch_closed" and "不在申报期内" in info.value.message


def test_the_home_page_and_the_enterprise_page_show_recognition(make_batch, roles, client_as, firm):
    batch = make_batch("chuying")
    Application.objects.create(batch=batch, enterprise=firm, phase="town_review")
    home = client_as(roles["town"]).get(reverse("web:home")).content.decode()
    assert "评价认定待办" in home and "镇街园区推荐" in home
    assert "评价认定待办" in client_as(roles["staff"]).get(reverse("web:home")).content.decode()
    page = (
        client_as(roles["firm"])
        .get(reverse("enterprises:enterprise_detail", args=[firm.pk]))
        .content.decode()
    )
    assert 'id="recognition"' in page and batch.name in page and "镇街园区推荐" in page


def test_a_bulk_recommendation_brings_applications_to_the_district_with_their_checklist(
    make_batch, roles, firm
):
    from lingjun.apps.recognition.services import application_create, application_transition, evidence_store

    from .conftest import upload

    batch = make_batch("chuying")
    app = application_create(batch=batch, enterprise=firm, user=roles["firm"])
    evidence_store(application=app, upload=upload(), user=roles["firm"])
    application_transition(application=app, transition="submit", user=roles["firm"])
    assert (
        application_bulk_transition(
            applications=batch.applications.all(), transition="recommend", user=roles["town"]
        )
        == 1
    )
    app.refresh_from_db()
    assert (
        app.phase == "district_review" and app.checklist.count() == len(app.self_evaluation["criteria"]) > 0
    )


def test_objections_and_confirmations_through_the_application_page(make_batch, roles, client_as, firm):
    batch = make_batch("dengling")
    app = Application.objects.create(batch=batch, enterprise=firm, phase="ready")
    staff = client_as(roles["staff"])
    page = reverse("recognition:application", args=[app.pk])
    assert "暂定参数确认（逐户）" in staff.get(page).content.decode()
    response = staff.post(reverse("recognition:confirm", args=[app.pk]), {"note": "已核实"}, follow=True)
    assert "请勾选确认后提交" in response.content.decode() and not app.confirmations.exists()
    response = staff.post(reverse("recognition:confirm", args=[app.pk]), {"confirm": "yes"}, follow=True)
    assert "区局科员 于" in response.content.decode() and app.confirmations.get().username == "区局科员"
    # 公示, then an objection with a wrong ID number, then a right one
    Application.objects.filter(pk=app.pk).update(phase="publicity")
    batch.publicity_starts_on, batch.publicity_ends_on = date(2026, 6, 1), date(2026, 6, 9)
    batch.save()
    form = {
        "kind": "person",
        "name": "王某某",
        "id_number": "110105194912310021",
        "contact": "13800000000",
        "content": "数据不实",
        "received_on": "2026-06-02",
    }
    response = staff.post(reverse("recognition:objection_add", args=[app.pk]), form, follow=True)
    assert "GB 11643" in response.content.decode() and not app.objections.exists()
    form["id_number"] = "11010519491231002X"
    staff.post(reverse("recognition:objection_add", args=[app.pk]), form)
    objection = app.objections.get()
    app.refresh_from_db()
    assert app.phase == "objection"
    staff.post(
        reverse("recognition:objection_resolve", args=[objection.pk]),
        {"outcome": "dismissed", "note": "不实"},
    )
    app.refresh_from_db()
    assert app.phase == "publicity" and app.objections.get().outcome == "dismissed"


def test_enterprises_that_did_not_file_are_reminded_of_the_deadline(make_batch, roles, client_as, firm):
    from lingjun.apps.notifications.models import Notification

    batch = make_batch("chuying")
    Application.objects.create(batch=batch, enterprise=firm, phase="draft")
    response = client_as(roles["staff"]).post(
        reverse("recognition:batch", args=[batch.pk]), {"op": "remind"}, follow=True
    )
    assert "已提醒 1 位企业用户" in response.content.decode()
    told = Notification.objects.get(user=roles["firm"])
    assert "申报截止日期为 2026-12-31" in told.subject and "尚未提交" in told.body


def test_a_bulk_result_is_notified_after_it_commits(
    make_batch, roles, firm, django_capture_on_commit_callbacks
):
    from lingjun.apps.notifications.models import Notification

    batch = make_batch("chuying")
    Application.objects.create(batch=batch, enterprise=firm, phase="municipal_review")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        application_bulk_transition(
            applications=batch.applications.all(), transition="municipal_pass", user=roles["evaluator"]
        )
    assert not Notification.objects.exists()  # nothing before the commit (nor in the request's time)
    for callback in callbacks:
        callback()
    told = Notification.objects.get(user=roles["firm"])
    assert "市级评审通过" in told.subject and "待公示" in told.body
