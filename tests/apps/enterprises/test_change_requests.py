"""Field-level rules of the permission matrix: an enterprise user's change of its 镇街/园区, of its
credit flags or of its qualifications is not saved but becomes a change request (变更申请) that an
officer of the district or of its 镇街 approves or rejects; the rest of the edit is saved."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from tests.apps.enterprises.test_views_edit import form_data

from lingjun.apps.enterprises.models import ChangeRecord, ChangeRequest, Enterprise
from lingjun.apps.enterprises.selectors import dossiers_load
from lingjun.apps.enterprises.services import (
    REQUEST_NOT_PENDING,
    change_request_decide,
    dossier_edit_submit,
    dossiers_apply,
)

pytestmark = pytest.mark.django_db
TODAY = date(2026, 12, 6)


def _dishonest(uscc: str) -> None:
    """An officer lists the enterprise as seriously dishonest."""
    dossier = dossiers_load(usccs=[uscc])[uscc]
    dossier["credit"] = {**dossier.get("credit", {}), "serious_dishonesty": True}
    dossiers_apply(dossiers=[dossier], user=None, source="form")


def test_an_enterprise_cannot_move_itself_or_clear_its_credit_flag_but_requests_it(
    pool, pks, make_user, client_as
):
    _dishonest(pool[0])
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    client = client_as(firm)
    url = reverse("enterprises:enterprise_edit", args=[pks[0]])
    data = form_data(client.get(url))
    data.update(name="天津新名称科技有限公司", town="梅厂镇", serious_dishonesty="false")
    saved = client.post(url, data, follow=True)
    page = saved.content.decode()
    assert "须经审核，已提交变更申请" in page and "所属镇街" in page and "列入严重违法失信名单" in page
    enterprise = Enterprise.objects.get(pk=pks[0])
    assert enterprise.name == "天津新名称科技有限公司"  # the rest of the edit is saved
    assert enterprise.town == "杨村街道"  # still in its officer's sight
    assert dossiers_load(usccs=[pool[0]])[pool[0]]["credit"]["serious_dishonesty"] is True
    requests = {r.field: r for r in ChangeRequest.objects.all()}
    assert set(requests) == {"enterprise.town", "enterprise.serious_dishonesty"}
    assert requests["enterprise.town"].old == "杨村街道" and requests["enterprise.town"].new == "梅厂镇"
    assert requests["enterprise.serious_dishonesty"].requested_by == firm
    assert all(r.status == ChangeRequest.Status.PENDING for r in requests.values())
    # the enterprise page shows what waits for review
    assert (
        "待审核的变更申请"
        in client.get(reverse("enterprises:enterprise_detail", args=[pks[0]])).content.decode()
    )


def test_the_town_officer_approves_a_move_and_rejects_a_credit_change(pool, pks, make_user, client_as):
    _dishonest(pool[0])
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    current = dossiers_load(usccs=[pool[0]])[pool[0]]
    edited = {**current, "town": "梅厂镇", "credit": {**current["credit"], "serious_dishonesty": False}}
    result = dossier_edit_submit(dossier=edited, user=firm, source="form")
    assert result.applied.changes == 0 and len(result.requested) == 2
    officer = make_user("town_officer", town="杨村街道")
    client = client_as(officer)
    page = client.get(reverse("enterprises:change_requests")).content.decode()
    assert "梅厂镇" in page and "天津测试科技有限公司1" in page
    by_field = {r.field: r for r in ChangeRequest.objects.all()}
    decide = "enterprises:change_request_decision"
    client.post(
        reverse(decide, args=[by_field["enterprise.serious_dishonesty"].pk]),
        {"decision": "reject", "note": "信用中国仍在名单内"},
    )
    # after the move the enterprise leaves this officer's jurisdiction: decided last
    client.post(reverse(decide, args=[by_field["enterprise.town"].pk]), {"decision": "approve"})
    assert Enterprise.objects.get(pk=pks[0]).town == "梅厂镇"
    record = ChangeRecord.objects.get(path="town")
    assert record.user == officer and record.old == "杨村街道" and record.new == "梅厂镇"
    rejected = ChangeRequest.objects.get(field="enterprise.serious_dishonesty")
    assert rejected.status == ChangeRequest.Status.REJECTED and rejected.note == "信用中国仍在名单内"
    assert dossiers_load(usccs=[pool[0]])[pool[0]]["credit"]["serious_dishonesty"] is True


def test_qualifications_issued_by_an_authority_go_through_a_request(pool, pks, make_user):
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    current = dossiers_load(usccs=[pool[0]])[pool[0]]
    before = current.get("qualifications", [])
    forged = [*before, {"kind": "hnte", "number": "GR202512000999", "issued_on": date(2025, 12, 1)}]
    result = dossier_edit_submit(dossier={**current, "qualifications": forged}, user=firm, source="form")
    assert [r.field for r in result.requested] == ["qualifications"]
    assert dossiers_load(usccs=[pool[0]])[pool[0]].get("qualifications", []) == before
    staff = make_user("district_staff")
    change_request_decide(request_id=result.requested[0].pk, user=staff, approve=True, today=TODAY)
    after = dossiers_load(usccs=[pool[0]])[pool[0]]["qualifications"]
    assert any(q.get("number") == "GR202512000999" for q in after)


def test_officers_change_restricted_fields_directly(pool, make_user):
    staff = make_user("district_staff")
    current = dossiers_load(usccs=[pool[0]])[pool[0]]
    result = dossier_edit_submit(dossier={**current, "town": "梅厂镇"}, user=staff, source="form")
    assert result.requested == [] and result.applied.changes == 1
    assert Enterprise.objects.get(uscc=pool[0]).town == "梅厂镇"


def test_a_request_is_decided_once(pool, make_user):
    firm = make_user("enterprise", enterprise_uscc=pool[0])
    current = dossiers_load(usccs=[pool[0]])[pool[0]]
    request = dossier_edit_submit(
        dossier={**current, "park": "武清区开发区"}, user=firm, source="form"
    ).requested[0]
    staff = make_user("district_staff", full_name="王科员")
    change_request_decide(request_id=request.pk, user=staff, approve=False, today=TODAY)
    with pytest.raises(ValidationError) as refused:
        change_request_decide(request_id=request.pk, user=staff, approve=True, today=TODAY)
    assert refused.value.messages[0].startswith(REQUEST_NOT_PENDING.split("{at}")[0])
    assert "王科员" in refused.value.messages[0] and "已驳回" in refused.value.messages[0]
    assert Enterprise.objects.get(uscc=pool[0]).park in (None, "")


def test_a_town_officer_sees_only_the_requests_of_its_town(pool, make_user, client_as):
    firm = make_user("enterprise", enterprise_uscc=pool[2])  # 梅厂镇
    current = dossiers_load(usccs=[pool[2]])[pool[2]]
    dossier_edit_submit(dossier={**current, "town": "杨村街道"}, user=firm, source="form")
    other = client_as(make_user("town_officer", town="杨村街道"))
    assert "天津测试科技有限公司3" not in other.get(reverse("enterprises:change_requests")).content.decode()
    request = ChangeRequest.objects.get()
    response = other.post(
        reverse("enterprises:change_request_decision", args=[request.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    assert ChangeRequest.objects.get().status == ChangeRequest.Status.PENDING
