"""Support funds (资金扶持): budgets, claims, approvals, the ledger and 免申即享 proposals.

Invariants, each held here and tested:

* an approval that would exceed the remaining budget is refused (:data:`BUDGET_EXCEEDED`): the
  budget row is locked (``SELECT … FOR UPDATE``) for the whole approval, so two concurrent
  approvals queue on it; a CHECK constraint on the budget refuses overspending even so;
* a once-only reward is never approved twice for one enterprise: the claim's ``once_key`` is
  UNIQUE in the database (:data:`ONCE_ONLY`);
* amounts are ``Decimal`` end to end (the engine computes them in integer fen);
* a disbursed claim is never edited, only reversed by a new ledger entry (:data:`DISBURSED_FROZEN`);
* a provisional amount cannot be approved until an officer confirmed it for the fiscal year
  (:data:`AMOUNT_NOT_CONFIRMED`); a claim the engine does not find eligible cannot be approved
  (:data:`NOT_ELIGIBLE`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import IntegrityError, transaction
from django.utils import timezone

from lingjun.apps.audit.services import audit_record
from lingjun.apps.bulk import load_arrow
from lingjun.apps.enterprises.models import Enterprise
from lingjun.apps.funds.models import (
    AmountConfirmation,
    Budget,
    BudgetAdjustment,
    Claim,
    LedgerEntry,
    Source,
)
from lingjun.rules.measures import TIER_RANK, Measure, MeasureSet, default_measures

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")

BUDGET_EXCEEDED = (
    "预算不足，不能批准：{measure}（{year}年度{source}）剩余预算 {remaining} 元，本笔 {amount} 元。"
)
NO_BUDGET = "{measure}（{year}年度{source}）尚未安排预算，不能批准。"
ONCE_ONLY = "该企业已获得过“{measure}”（{once}），不能重复批准。"
NOT_ELIGIBLE = "规则引擎核验该企业不符合“{measure}”的条件（或材料不全），不能批准。"
AMOUNT_NOT_CONFIRMED = "“{measure}”的金额为暂定参数，须先由科技局确认{year}年度的金额，才能批准支付。"
AMOUNT_UNKNOWN = "该申请尚未核定金额，不能批准。"
BAD_STATE = "该申请当前状态为“{state}”，不能{action}。"
DISBURSED_FROZEN = "已拨付的申请不能修改，只能登记追回（冲销）。"
REASON_REQUIRED = "请填写原因。"
VOUCHER_REQUIRED = "请填写拨付凭证号和日期。"
UNKNOWN_MEASURE = "扶持措施“{measure}”不存在。"
BAD_AMOUNT = "金额应为不小于 0 的数值（元，最多两位小数）。"
BUDGET_BELOW_SPENT = "调整后预算 {amount} 元低于已批准和已拨付的合计 {spent} 元，不能调整。"
ALREADY_CLAIMED = "该企业本年度已有“{measure}”的申请（{state}）。"
NOT_OWN = "只能处理本企业的申请。"
BAD_INPUT = "“{label}”应为不小于 0 的数值。"


class FundsError(Exception):
    """A refused funds operation: ``code`` for tests, ``message`` (中文) for people."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def _err(code: str, template: str, **params: Any) -> FundsError:
    return FundsError(template.format(**params), code=code)


# --------------------------------------------------------------------------- measures


def measures() -> MeasureSet:
    """The district programme's measures (policy data, :mod:`lingjun.rules.measures`)."""
    return default_measures()


def measure_of(measure_id: str) -> Measure:
    try:
        return measures().get(measure_id)
    except KeyError:
        raise _err("unknown_measure", UNKNOWN_MEASURE, measure=measure_id) from None


def once_key(*, measure: Measure, enterprise_id: int, fiscal_year: int) -> str:
    """The database key that makes a payment unique: per firm, or per firm and year."""
    if measure.once in ("per_firm", "first_time"):
        return f"{measure.id}:{enterprise_id}"
    return f"{measure.id}:{enterprise_id}:{fiscal_year}"


def _money(value: Any) -> Decimal:
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise _err("bad_amount", BAD_AMOUNT) from None
    if not d.is_finite() or d < 0 or d != d.quantize(CENT) or d >= Decimal(10) ** 14:
        raise _err("bad_amount", BAD_AMOUNT)
    return d.quantize(CENT)


def _source_label(source: str) -> str:
    return str(Source(source).label)


# --------------------------------------------------------------------------- budgets


@transaction.atomic
def budget_set(
    *, fiscal_year: int, source: str, measure: str, amount: Decimal, reason: str, user: Any = None
) -> Budget:
    """Create a budget (the first allocation is its first adjustment) or adjust it to ``amount``."""
    measure_of(measure)
    budget, _ = Budget.objects.get_or_create(fiscal_year=fiscal_year, source=source, measure=measure)
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    return budget_adjust(budget_id=budget.pk, delta=_money(amount) - budget.amount, reason=reason, user=user)


@transaction.atomic
def budget_adjust(*, budget_id: int, delta: Decimal, reason: str, user: Any = None) -> Budget:
    """Add ``delta`` (negative: a cut) to a budget, recorded; never below what it holds."""
    if not reason.strip():
        raise _err("reason_required", REASON_REQUIRED)
    delta = Decimal(str(delta)).quantize(CENT)
    budget = Budget.objects.select_for_update().get(pk=budget_id)
    new = budget.amount + delta
    spent = budget.committed + budget.disbursed
    if new < spent:
        raise _err("budget_below_spent", BUDGET_BELOW_SPENT, amount=new, spent=spent)
    budget.amount = new
    budget.save(update_fields=["amount"])
    BudgetAdjustment.objects.create(budget=budget, delta=delta, reason=reason.strip()[:500], user=user)
    return budget


# --------------------------------------------------------------------------- amounts


def amount_needs_confirmation(measure: Measure) -> bool:
    return not measure.verified


@transaction.atomic
def amount_confirm(
    *, measure: str, fiscal_year: int, user: Any, note: str = "", values: Mapping[str, Any] | None = None
) -> AmountConfirmation:
    """An officer confirms a measure's provisional amount for a fiscal year (who and when)."""
    m = measure_of(measure)
    recorded = {
        name: str(p.at(date(fiscal_year, 12, 31)))
        for name, p in measures().parameters.items()
        if not p.verified
    }
    recorded = {k: v for k, v in recorded.items() if k in _params_of(m)}
    recorded.update({k: str(v) for k, v in (values or {}).items()})
    confirmation, _ = AmountConfirmation.objects.update_or_create(
        measure=m.id, fiscal_year=fiscal_year, defaults={"user": user, "note": note[:500], "values": recorded}
    )
    audit_record(
        action="funds_confirm_amount", user=user, target=f"金额确认 {m.label} {fiscal_year}", detail=recorded
    )
    return confirmation


def _params_of(m: Measure) -> set[str]:
    from lingjun.rules import expr as E

    nodes = [m.policy.metrics[0].expr, *(c.test for c in m.policy.criteria)]
    names = {p for n in nodes for p in E.params_used(n)}
    return names | {p for p in (m.cap, m.matching_percent) if p}


# --------------------------------------------------------------------------- claims


@transaction.atomic
def claim_apply(
    *,
    enterprise_id: int,
    measure: str,
    fiscal_year: int,
    user: Any = None,
    amount: Decimal | None = None,
    inputs: Mapping[str, Any] | None = None,
) -> Claim:
    """An enterprise applies for a measure (企业申请)."""
    m = measure_of(measure)
    enterprise = Enterprise.objects.get(pk=enterprise_id)
    open_states = [Claim.State.APPLIED, Claim.State.REVIEWED, Claim.State.APPROVED, Claim.State.DISBURSED]
    existing = Claim.objects.filter(
        enterprise_id=enterprise_id, measure=m.id, fiscal_year=fiscal_year, state__in=open_states
    ).first()
    if existing is not None:
        raise _err("already_claimed", ALREADY_CLAIMED, measure=m.label, state=existing.get_state_display())
    # an open proposal of the same measure becomes the application
    claim = Claim.objects.filter(
        enterprise_id=enterprise_id, measure=m.id, fiscal_year=fiscal_year, state=Claim.State.PROPOSED
    ).first()
    if claim is None:
        claim = Claim(
            enterprise=enterprise,
            measure=m.id,
            fiscal_year=fiscal_year,
            source=m.source,
            origin=Claim.Origin.APPLICATION,
            town=getattr(enterprise, "town", "") or "",
        )
    claim.state = Claim.State.APPLIED
    if amount is not None:
        claim.amount = _money(amount)
    cleaned = _clean_inputs(m, inputs)
    if cleaned:
        claim.inputs = {**claim.inputs, **cleaned}
    claim.save()
    return claim


def _tell_enterprise(claim: Claim, subject: str, body: str) -> None:
    """A message to the enterprise's users about its claim (in the app, and by e-mail)."""
    from lingjun.apps.accounts.models import User
    from lingjun.apps.notifications.services import notification_send

    notification_send(
        users=User.objects.filter(enterprise_id=claim.enterprise_id, is_active=True),
        subject=subject,
        body=body,
        url="/funds/enterprise/",
        kind="funds",
    )


def _clean_inputs(m: Measure, inputs: Mapping[str, Any] | None) -> dict[str, str]:
    """The facts an enterprise supplied for a measure, checked: only the measure's inputs, numbers
    as non-negative decimals, yes/no as true/false."""
    out: dict[str, str] = {}
    for name, raw in (inputs or {}).items():
        spec = m.policy.inputs.get(name)
        if spec is None or raw is None or str(raw).strip() == "":
            continue
        if spec.kind == "bool":
            out[name] = "true" if str(raw).strip().lower() in ("true", "1", "是") else "false"
            continue
        try:
            value = Decimal(str(raw).strip())
        except ArithmeticError:
            raise _err("bad_input", BAD_INPUT, label=spec.label) from None
        if not value.is_finite() or value < 0 or value >= Decimal(10) ** 12:
            raise _err("bad_input", BAD_INPUT, label=spec.label)
        out[name] = str(value)
    return out


def _locked(claim_id: int) -> Claim:
    return Claim.objects.select_for_update().get(pk=claim_id)


def _require(claim: Claim, states: tuple[str, ...], action: str) -> None:
    if claim.state not in states:
        raise _err("bad_state", BAD_STATE, state=claim.get_state_display(), action=action)


@transaction.atomic
def claim_confirm(
    *, claim_id: int, user: Any, inputs: Mapping[str, Any] | None = None, enterprise_id: int | None = None
) -> Claim:
    """The enterprise confirms a 免申即享 proposal: it becomes an application."""
    claim = _locked(claim_id)
    if enterprise_id is not None and claim.enterprise_id != enterprise_id:
        raise _err("not_own", NOT_OWN)
    _require(claim, (Claim.State.PROPOSED,), "确认")
    cleaned = _clean_inputs(measure_of(claim.measure), inputs)
    claim.state = Claim.State.APPLIED
    if cleaned:
        claim.inputs = {**claim.inputs, **cleaned}
    claim.save(update_fields=["state", "inputs", "updated_at"])
    return claim


@transaction.atomic
def claim_set_amount(*, claim_id: int, amount: Decimal, user: Any = None) -> Claim:
    """Set the amount of a claim still under review; an approved or disbursed one is frozen."""
    claim = _locked(claim_id)
    if claim.state == Claim.State.DISBURSED:
        raise _err("disbursed_frozen", DISBURSED_FROZEN)
    _require(claim, (Claim.State.PROPOSED, Claim.State.APPLIED, Claim.State.REVIEWED), "修改金额")
    claim.amount = _money(amount)
    claim.save(update_fields=["amount", "updated_at"])
    return claim


def claim_check(*, claim: Claim, as_of: date | None = None) -> Claim:
    """Ask the rules engine whether the claim's enterprise is eligible for its measure (with the
    facts the claim supplied), and the amount it computes; stores the verdict on the claim."""
    from lingjun.apps.enterprises.selectors import dossiers_load
    from lingjun.rules.measures import evaluate_measures

    m = measure_of(claim.measure)
    uscc = claim.enterprise.uscc
    dossier = dossiers_load(usccs=[uscc])[uscc]
    day = as_of or min(timezone.localdate(), date(claim.fiscal_year, 12, 31))
    inputs_table = None
    if claim.inputs:
        cols: dict[str, Any] = {"uscc": [uscc]}
        for name, spec in m.policy.inputs.items():
            if name in claim.inputs:
                raw = claim.inputs[name]
                if spec.kind == "bool":
                    cols[name] = pa.array([str(raw) == "true"], pa.bool_())
                else:
                    cols[name] = pa.array([Decimal(str(raw))], pa.decimal128(18, 4))
        if len(cols) > 1:
            inputs_table = pa.table(cols)
    me = evaluate_measures(
        dossiers=[dossier],
        measures=measures(),
        year=claim.fiscal_year,
        as_of=day,
        inputs_table=inputs_table,
        only=[m.id],
    )
    detail = next(d for d in me.explain(uscc) if d["measure"] == m.id)
    claim.eligible = detail["eligible"]
    passed = [c for c in TIER_RANK if detail["tier_results"].get(c) == "pass"]
    claim.tier = passed[0] if passed else claim.tier
    claim.explanation = detail["explanation"]
    claim.checked_at = timezone.now()
    fields = ["eligible", "explanation", "checked_at", "tier", "updated_at"]
    if (
        claim.state in (Claim.State.PROPOSED, Claim.State.APPLIED, Claim.State.REVIEWED)
        and detail["amount"] is not None
    ):
        claim.amount = Decimal(detail["amount"]).quantize(CENT)
        fields.append("amount")
    claim.save(update_fields=fields)
    return claim


@transaction.atomic
def claim_review(*, claim_id: int, user: Any, passed: bool, reason: str = "", check: bool = True) -> Claim:
    """The district bureau reviews an application: passed (→ 已审核, after the engine's check) or
    rejected with a reason."""
    claim = _locked(claim_id)
    _require(claim, (Claim.State.APPLIED,), "审核")
    if not passed:
        if not reason.strip():
            raise _err("reason_required", REASON_REQUIRED)
        claim.state, claim.reason = Claim.State.REJECTED, reason.strip()[:500]
        claim.save(update_fields=["state", "reason", "updated_at"])
        label = measure_of(claim.measure).label
        _tell_enterprise(
            claim, f"扶持资金申请未通过：{label}", f"您的“{label}”申请未通过审核。原因：{claim.reason}"
        )
        return claim
    if check:
        claim = claim_check(claim=claim)
    claim.state = Claim.State.REVIEWED
    claim.save(update_fields=["state", "updated_at"])
    return claim


@transaction.atomic
def claim_approve(*, claim_id: int, user: Any) -> Claim:
    """The finance bureau approves a reviewed claim: the amount is committed against the budget.

    Locks the claim, then the budget row, for the whole decision: a concurrent approval against
    the same budget waits for this one's commit and then sees the reduced remainder."""
    claim = _locked(claim_id)
    _require(claim, (Claim.State.REVIEWED,), "批准")
    m = measure_of(claim.measure)
    if claim.eligible is not True:
        raise _err("not_eligible", NOT_ELIGIBLE, measure=m.label)
    if claim.amount is None:
        raise _err("amount_unknown", AMOUNT_UNKNOWN)
    if (
        amount_needs_confirmation(m)
        and not AmountConfirmation.objects.filter(measure=m.id, fiscal_year=claim.fiscal_year).exists()
    ):
        raise _err("amount_not_confirmed", AMOUNT_NOT_CONFIRMED, measure=m.label, year=claim.fiscal_year)
    budget = (
        Budget.objects.select_for_update()
        .filter(fiscal_year=claim.fiscal_year, source=claim.source, measure=claim.measure)
        .first()
    )
    source = _source_label(claim.source)
    if budget is None:
        raise _err("no_budget", NO_BUDGET, measure=m.label, year=claim.fiscal_year, source=source)
    amount = Decimal(claim.amount)
    if amount > budget.remaining:
        raise _err(
            "budget_exceeded",
            BUDGET_EXCEEDED,
            measure=m.label,
            year=claim.fiscal_year,
            source=source,
            remaining=budget.remaining,
            amount=amount,
        )
    claim.once_key = once_key(measure=m, enterprise_id=claim.enterprise_id, fiscal_year=claim.fiscal_year)
    claim.state = Claim.State.APPROVED
    try:
        with transaction.atomic():
            claim.save(update_fields=["once_key", "state", "updated_at"])
    except IntegrityError:
        raise _err("once_only", ONCE_ONLY, measure=m.label, once=m.once and _once_label(m)) from None
    budget.committed += amount
    budget.save(update_fields=["committed"])
    LedgerEntry.objects.create(
        budget=budget, claim=claim, kind=LedgerEntry.Kind.COMMIT, amount=amount, user=user
    )
    audit_record(
        action="funds_approve",
        user=user,
        target=f"批准 {m.label} #{claim.pk}",
        detail={"amount": str(amount)},
    )
    return claim


def _once_label(m: Measure) -> str:
    from lingjun.rules.measures import ONCE

    return ONCE[m.once]


def _budget_of(claim: Claim) -> Budget:
    return Budget.objects.select_for_update().get(
        fiscal_year=claim.fiscal_year, source=claim.source, measure=claim.measure
    )


@transaction.atomic
def claim_disburse(*, claim_id: int, user: Any, voucher_number: str, voucher_date: date) -> Claim:
    """The finance bureau pays an approved claim (voucher number and date)."""
    if not voucher_number.strip() or voucher_date is None:
        raise _err("voucher_required", VOUCHER_REQUIRED)
    claim = _locked(claim_id)
    _require(claim, (Claim.State.APPROVED,), "拨付")
    budget = _budget_of(claim)
    amount = Decimal(claim.amount or 0)
    budget.committed -= amount
    budget.disbursed += amount
    budget.save(update_fields=["committed", "disbursed"])
    claim.state = Claim.State.DISBURSED
    claim.voucher_number, claim.voucher_date = voucher_number.strip()[:64], voucher_date
    claim.save(update_fields=["state", "voucher_number", "voucher_date", "updated_at"])
    LedgerEntry.objects.create(
        budget=budget,
        claim=claim,
        kind=LedgerEntry.Kind.DISBURSE,
        amount=amount,
        voucher_number=claim.voucher_number,
        voucher_date=voucher_date,
        user=user,
    )
    _tell_enterprise(
        claim,
        f"扶持资金已拨付：{measure_of(claim.measure).label}",
        f"“{measure_of(claim.measure).label}”{amount} 元已于 {voucher_date.isoformat()} 拨付（凭证号 {claim.voucher_number}）。",
    )
    audit_record(
        action="funds_disburse",
        user=user,
        target=f"拨付 #{claim.pk}",
        detail={"amount": str(amount), "voucher": voucher_number},
    )
    return claim


@transaction.atomic
def claim_reverse(*, claim_id: int, user: Any, reason: str) -> Claim:
    """Undo an approved claim (release the commitment) or claw back a disbursed one (a new
    reversing entry; the disbursement entry stays). The reason is required (e.g. 严重失信)."""
    if not reason.strip():
        raise _err("reason_required", REASON_REQUIRED)
    claim = _locked(claim_id)
    _require(claim, (Claim.State.APPROVED, Claim.State.DISBURSED), "撤销或追回")
    budget = _budget_of(claim)
    amount = Decimal(claim.amount or 0)
    if claim.state == Claim.State.APPROVED:
        budget.committed -= amount
        kind = LedgerEntry.Kind.RELEASE
    else:
        budget.disbursed -= amount
        kind = LedgerEntry.Kind.REVERSE
    budget.save(update_fields=["committed", "disbursed"])
    claim.state, claim.reason, claim.once_key = Claim.State.REVERSED, reason.strip()[:500], None
    claim.save(update_fields=["state", "reason", "once_key", "updated_at"])
    LedgerEntry.objects.create(
        budget=budget, claim=claim, kind=kind, amount=amount, reason=claim.reason, user=user
    )
    label = measure_of(claim.measure).label
    _tell_enterprise(
        claim, f"扶持资金已撤销/追回：{label}", f"“{label}”{amount} 元已撤销或追回。原因：{claim.reason}"
    )
    audit_record(
        action="funds_reverse", user=user, target=f"撤销/追回 #{claim.pk}", detail={"reason": claim.reason}
    )
    return claim


# --------------------------------------------------------------------------- proposals (免申即享)


def _pool_measures(*, fiscal_year: int, as_of: date) -> Any:
    """The engine's measures result for the whole pool (adapter over the evaluation app)."""
    from lingjun.apps.evaluation.services import evaluation_of_pool
    from lingjun.rules.measures import combine, measure_policies
    from lingjun.rules.spec import RunSpec

    ms = measures()
    spec = RunSpec.of(measure_policies(ms, fiscal_year, as_of), year=fiscal_year, as_of=as_of)
    return combine(evaluation_of_pool(spec=spec), ms, year=fiscal_year, as_of=as_of, keep_unknown=False)


def proposals_refresh(*, fiscal_year: int, as_of: date) -> dict[str, int]:
    """免申即享: propose every measure to every enterprise the engine finds eligible, set-based.

    Open proposals the engine no longer finds eligible lapse; new eligible pairs without a claim
    of the year (or, for once-only measures, without a paid or approved one ever) become proposals;
    amounts of open proposals follow the engine. Returns counts.

    The engine reads the pool outside any transaction (on SQLite a write transaction would hold the
    database's write lock for the whole evaluation); the writes are one short transaction."""
    me = _pool_measures(fiscal_year=fiscal_year, as_of=as_of)
    with transaction.atomic():
        return _proposals_write(
            eligible=me.eligible().select(["uscc", "measure", "amount_fen", "tier"]), fiscal_year=fiscal_year
        )


def _proposals_write(*, eligible: pa.Table, fiscal_year: int) -> dict[str, int]:
    ms = measures()
    # the enterprise ids and towns, as Arrow (one query)
    ents = list(Enterprise.objects.values_list("uscc", "id", "town"))
    ent_table = pa.table(
        {
            "uscc": pa.array([e[0] for e in ents], pa.string()),
            "enterprise_id": pa.array([e[1] for e in ents], pa.int64()),
            "town": pa.array([e[2] or "" for e in ents], pa.string()),
        }
    )
    wanted = eligible.join(ent_table, "uscc", join_type="inner")
    # existing claims that block a proposal: any open claim of the year, or a once-only one held
    rows = Claim.objects.filter(fiscal_year=fiscal_year).exclude(
        state__in=[Claim.State.LAPSED, Claim.State.REJECTED, Claim.State.REVERSED]
    )
    existing = list(rows.values_list("pk", "enterprise_id", "measure", "state", "amount"))
    held = {k for k in Claim.objects.filter(once_key__isnull=False).values_list("once_key", flat=True) if k}
    proposed = {(e, m): (pk, amt) for pk, e, m, s, amt in existing if s == Claim.State.PROPOSED}
    blocked = {(e, m) for _, e, m, s, _ in existing if s != Claim.State.PROPOSED}
    eid_text = pc.cast(wanted["enterprise_id"], pa.string())
    keys = pc.binary_join_element_wise(eid_text, wanted["measure"], "|")
    per_year = pa.array([m.id for m in ms.measures if m.once == "per_year"], pa.string())
    firm_key = pc.binary_join_element_wise(wanted["measure"], eid_text, ":")
    once_keys = pc.if_else(
        pc.is_in(wanted["measure"], per_year),
        pc.binary_join_element_wise(firm_key, pa.scalar(str(fiscal_year)), ":"),
        firm_key,
    )
    taken = pa.array([f"{e}|{m}" for e, m in (*proposed, *blocked)], pa.string())
    new_mask = pc.and_(
        pc.invert(pc.is_in(keys, taken)),
        pc.invert(pc.is_in(once_keys, pa.array(sorted(held), pa.string()))),
    )
    new = wanted.filter(new_mask)
    wanted_keys = set(keys.to_pylist())
    lapse = [pk for (e, m), (pk, _) in proposed.items() if f"{e}|{m}" not in wanted_keys]
    Claim.objects.filter(pk__in=lapse).update(state=Claim.State.LAPSED, updated_at=timezone.now())
    # amounts of the proposals that stay
    fen = dict(zip(keys.to_pylist(), wanted["amount_fen"].to_pylist(), strict=True))
    changed = []
    for (e, m), (pk, amt) in proposed.items():
        k = f"{e}|{m}"
        if k in fen:
            new_amt = None if fen[k] is None else Decimal(fen[k]) / 100
            if new_amt != (None if amt is None else Decimal(amt)):
                changed.append(Claim(pk=pk, amount=new_amt))
    Claim.objects.bulk_update(changed, ["amount"], batch_size=1000)
    now = timezone.now()
    n = new.num_rows
    ids = pa.array([m.id for m in ms.measures], pa.string())
    sources = pa.array([m.source for m in ms.measures], pa.string())
    source = pc.take(sources, pc.index_in(new["measure"], ids))
    # fen → yuan, exact: an integer times 0.01 in decimal arithmetic
    amount = pc.multiply(
        pc.cast(new["amount_fen"], pa.decimal128(20, 0)), pa.scalar(Decimal("0.01"), pa.decimal128(3, 2))
    )
    table = pa.table(
        {
            "enterprise_id": new["enterprise_id"],
            "measure": new["measure"],
            "fiscal_year": pa.array([fiscal_year] * n, pa.int64()),
            "source": source,
            "amount": pc.cast(amount, pa.decimal128(16, 2)),
            "state": pa.array([Claim.State.PROPOSED.value] * n, pa.string()),
            "origin": pa.array([Claim.Origin.PROPOSAL.value] * n, pa.string()),
            "eligible": pa.array([True] * n, pa.bool_()),
            "checked_at": pa.array([now.isoformat()] * n, pa.string()),
            "explanation": pa.array(["规则引擎核验符合条件（免申即享）"] * n, pa.string()),
            "inputs": pa.array(["{}"] * n, pa.string()),
            "town": new["town"],
            "tier": new["tier"],
            "voucher_number": pa.array([""] * n, pa.string()),
            "reason": pa.array([""] * n, pa.string()),
            "created_at": pa.array([now.isoformat()] * n, pa.string()),
            "updated_at": pa.array([now.isoformat()] * n, pa.string()),
        }
    )
    load_arrow(Claim, table)
    counts = {"eligible": wanted.num_rows, "created": n, "lapsed": len(lapse), "updated": len(changed)}
    logger.info("funds proposals %s: %s", fiscal_year, counts)
    return counts


# --------------------------------------------------------------------------- the proposals job

JOB_KIND = "funds_proposals"


def proposals_job(job: Any) -> dict[str, Any]:
    """The work of a proposals job (:func:`lingjun.apps.funds.tasks.proposals_refresh_task`)."""
    from lingjun.apps.jobs.services import job_step

    params = job.params or {}
    job_step(job=job, progress=0.1, step="正在用规则引擎核验全部企业的扶持措施")
    counts = proposals_refresh(
        fiscal_year=int(params["fiscal_year"]), as_of=date.fromisoformat(params["as_of"])
    )
    return {"fiscal_year": params["fiscal_year"], **counts}


def proposals_enqueue(*, fiscal_year: int, as_of: date, user: Any = None) -> Any:
    """Queue a refresh of the 免申即享 proposals (one waiting refresh at a time)."""
    from lingjun.apps.jobs.models import Job
    from lingjun.apps.jobs.services import job_create, job_enqueue

    waiting = Job.objects.filter(
        kind=JOB_KIND, status=Job.Status.QUEUED, params__fiscal_year=fiscal_year
    ).first()
    if waiting is not None:
        return waiting
    job = job_create(
        kind=JOB_KIND, user=user, params={"fiscal_year": fiscal_year, "as_of": as_of.isoformat()}
    )
    job_enqueue(job=job, task_path="lingjun.apps.funds.tasks.proposals_refresh_task")
    return job


def proposals_on_pool_change(*, today: date | None = None) -> Any:
    """After an import or an evaluation: refresh this fiscal year's proposals, when the year has
    any budget (a district that does not run funds on the platform is left alone)."""
    day = today or timezone.localdate()
    if not Budget.objects.filter(fiscal_year=day.year).exists():
        return None
    return proposals_enqueue(fiscal_year=day.year, as_of=day)


# --------------------------------------------------------------------------- the enterprise's view


def enterprise_measures(*, enterprise_id: int, fiscal_year: int, as_of: date) -> list[dict[str, Any]]:
    """Every measure for one enterprise, as the engine sees it: eligible, not yet (what is missing:
    the facts to supply) or not; the page shows what the enterprise could claim next."""
    from lingjun.apps.enterprises.selectors import dossiers_load
    from lingjun.rules.measures import evaluate_measures

    uscc = Enterprise.objects.values_list("uscc", flat=True).get(pk=enterprise_id)
    dossier = dossiers_load(usccs=[uscc])[uscc]
    me = evaluate_measures(dossiers=[dossier], measures=measures(), year=fiscal_year, as_of=as_of)
    return me.explain(uscc)


# --------------------------------------------------------------------------- the payment list

PAYMENT_HEADERS = (
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属镇街",
    "扶持措施",
    "资金来源",
    "财政年度",
    "金额（元）",
    "状态",
    "凭证号",
    "拨付日期",
)


def payment_list_xlsx(*, fiscal_year: int, out: Any) -> int:
    """The finance bureau's payment list (拨付清单) of a year as Excel: approved and disbursed
    claims, text cells neutralised against formulas (:mod:`lingjun.cellsafe`). Returns the rows."""
    from openpyxl import Workbook

    from lingjun.cellsafe import cell_value

    labels = {m.id: m.label for m in measures().measures}
    rows = (
        Claim.objects.filter(fiscal_year=fiscal_year, state__in=[Claim.State.APPROVED, Claim.State.DISBURSED])
        .select_related("enterprise")
        .order_by("measure", "enterprise__uscc")
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{fiscal_year}年度拨付清单")
    sheet.append(list(PAYMENT_HEADERS))
    n = 0
    total = Decimal(0)
    for n, c in enumerate(rows.iterator(), start=1):
        total += c.amount or 0
        sheet.append(
            [
                n,
                cell_value(c.enterprise.uscc),
                cell_value(c.enterprise.name),
                cell_value(c.town),
                cell_value(labels.get(c.measure, c.measure)),
                _source_label(c.source),
                c.fiscal_year,
                c.amount,
                c.get_state_display(),
                cell_value(c.voucher_number),
                c.voucher_date,
            ]
        )
    sheet.append(["合计", None, None, None, None, None, None, total])
    book.save(out)
    return n


# --------------------------------------------------------------------------- the demo district


def demo_funds(*, today: date, users: Mapping[str, Any]) -> str:
    """Demo district: this year's budgets for every measure, the engine's proposals, and a year of
    claims in every state (once)."""
    if Budget.objects.exists():
        return ""
    year = today.year
    staff, finance = users.get("district_staff"), users.get("finance")
    for m in measures().measures:
        budget_set(
            fiscal_year=year,
            source=m.source,
            measure=m.id,
            amount=Decimal("2000000"),
            reason="年度预算批复",
            user=finance,
        )
        if not m.verified:
            amount_confirm(measure=m.id, fiscal_year=year, user=staff, note="按区财政局年度预算批复确认")
    try:
        proposals_refresh(fiscal_year=year, as_of=today)
    except Exception:  # the demo must come up even if the engine cannot read the pool here
        logger.exception("demo proposals")
    proposed = list(
        Claim.objects.filter(state=Claim.State.PROPOSED, fiscal_year=year, amount__isnull=False)[:12]
    )
    states = ["applied", "reviewed", "approved", "disbursed", "reversed", "rejected", "approved", "disbursed"]
    done: dict[str, int] = {}
    for claim, target in zip(proposed, states, strict=False):
        claim_confirm(claim_id=claim.pk, user=users.get("enterprise"))
        if target == "applied":
            pass
        elif target == "rejected":
            claim_review(claim_id=claim.pk, user=staff, passed=False, reason="申报材料与档案不符")
        else:
            claim_review(claim_id=claim.pk, user=staff, passed=True, check=False)
            if target != "reviewed":
                try:
                    claim_approve(claim_id=claim.pk, user=finance)
                except FundsError:
                    continue
                if target in ("disbursed", "reversed"):
                    # payments spread over the year up to today
                    month = 1 + (claim.pk * 5) % today.month
                    claim_disburse(
                        claim_id=claim.pk,
                        user=finance,
                        voucher_number=f"WQCZ-{year}-{claim.pk:05d}",
                        voucher_date=date(year, month, min(today.day, 28) if month == today.month else 15),
                    )
                if target == "reversed":
                    claim_reverse(
                        claim_id=claim.pk, user=finance, reason="企业被列入严重违法失信名单，追回奖励"
                    )
        done[target] = done.get(target, 0) + 1
    firm = users.get("enterprise")
    if firm is not None and firm.enterprise_id is not None:
        # the demo enterprise applies itself for the district's matching of its city reward
        try:
            claim_apply(
                enterprise_id=firm.enterprise_id,
                measure="district_matching",
                fiscal_year=year,
                user=firm,
                inputs={"city_reward": "20"},
            )
            done["applied"] = done.get("applied", 0) + 1
        except FundsError:
            pass
    left = Claim.objects.filter(state=Claim.State.PROPOSED, fiscal_year=year).count()
    parts = "、".join(f"{str(Claim.State(k).label)} {v} 笔" for k, v in done.items())
    return f"资金扶持：{year}年度预算 {len(measures().measures)} 项；免申即享待确认 {left} 笔；{parts}。"


#: how often a measure may be paid, in Chinese (from the rules library)
ONCE_LABELS = {"per_firm": "每家企业限一次", "first_time": "仅限首次", "per_year": "每年度一次"}


def amount_text(measure: Measure, *, on: date) -> str:
    """A measure's amount in words for the pages: parameters by value, inputs and facts by name
    (``input.annual_rent * param.rent_share`` → ``上年度实际支付的办公、生产用房年租金 × 0.5``)."""
    import re

    from lingjun.rules.explain import missing_label

    params = measures().parameters

    def value(name: str) -> str:
        p = params[name]
        v = p.at(on)
        return f"{v.normalize():f}{p.unit if p.unit not in ('', '%') else ''}" if p.unit != "%" else f"{v}%"

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith("param."):
            return value(token[6:])
        if token.startswith("input."):
            spec = measure.policy.inputs.get(token[6:])
            return spec.label if spec else token
        field, _, offset = token.partition("[")
        if offset == "-1]":
            return f"上年度{missing_label(field)}"
        return missing_label(token)

    text = re.sub(r"(param|input)\.[a-z_0-9]+|[a-z_]+\[-?\d+\]", word, measure.amount_text)
    text = text.replace("*", "×")
    if measure.matching_percent:
        text += f" × {value(measure.matching_percent)}"
    if measure.cap:
        text += f"（上限 {value(measure.cap)}）"
    return text
