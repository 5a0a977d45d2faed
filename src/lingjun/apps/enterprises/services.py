"""Writes to the pool: import (all-or-nothing), dossier updates, division seeding.

Every change of a dossier goes through :func:`dossiers_apply`, which records who changed what,
when, from which old value to which new value (:class:`ChangeRecord`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from lingjun.apps.accounts.models import User
from lingjun.apps.accounts.permissions import field_is_restricted, restricted_fields
from lingjun.apps.audit.models import AuditEvent
from lingjun.apps.audit.services import audit_record
from lingjun.apps.bulk import insert_rows
from lingjun.apps.divisions.selectors import division_names
from lingjun.apps.enterprises.models import (
    ROW_MODELS,
    ChangeRecord,
    ChangeRequest,
    CreditEvent,
    Enterprise,
    ImportBatch,
)
from lingjun.apps.enterprises.selectors import dossier_version, dossiers_load
from lingjun.dossier.canonical import canonical_dossier, json_safe
from lingjun.dossier.diff import diff_dossiers
from lingjun.dossier.errors import DossierError, ParseResult
from lingjun.dossier.excel import read_workbook
from lingjun.dossier.jsonl import read_jsonl
from lingjun.dossier.limits import MB, MSG_FILE_BYTES, ReadLimits, size_text
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS
from lingjun.dossier.screen import file_size, screen_file
from lingjun.dossier.tables import CREDIT_EVENT_FIELDS
from lingjun.dossier.validate import parse_dossier

_BATCH = 2000
_BASE_FIELDS = tuple(f.name for f in ENTERPRISE.fields if f.type != "int_list")

FORMAT_NOT_SUPPORTED = "不支持的文件格式“{suffix}”：请上传 .jsonl（JSON Lines）或 .xlsx（Excel 模板）文件。"
CREATED_LABEL = "新建企业档案"


class ImportRefused(Exception):
    """The file was refused whole; nothing was stored. ``errors`` lists every problem."""

    def __init__(self, batch: ImportBatch, errors: Sequence[DossierError]) -> None:
        super().__init__(f"文件有 {len(errors)} 处错误，已整体拒绝导入，数据库未作任何改动。")
        self.batch = batch
        self.errors = list(errors)


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changes: int = 0


def _enterprise_values(dossier: Mapping[str, Any]) -> dict[str, Any]:
    credit = dossier.get("credit") or {}
    values = {name: (credit if name in CREDIT_FIELDS else dossier).get(name) for name in _BASE_FIELDS}
    if values.get("independent_legal_person") is None:
        values["independent_legal_person"] = True
    return values


def _replace_rows(*, section_key: str, dossiers: Mapping[str, Mapping[str, Any]], existing: set[str]) -> None:
    """Replace the rows of one list section for the given enterprises (``existing``: those with rows)."""
    if not dossiers:
        return
    usccs = [u for u in dossiers if u in existing]
    if section_key == "credit_events":
        for i in range(0, len(usccs), _BATCH):
            CreditEvent.objects.filter(enterprise_id__in=usccs[i : i + _BATCH]).delete()
        events = [
            (uscc, kind, year)
            for uscc, d in dossiers.items()
            for list_field, kind in CREDIT_EVENT_FIELDS.items()
            for year in (d.get("credit") or {}).get(list_field) or ()
        ]
        insert_rows(CreditEvent, ("uscc", "kind", "year"), events)
        return
    model = ROW_MODELS[section_key]
    for i in range(0, len(usccs), _BATCH):
        model.objects.filter(enterprise_id__in=usccs[i : i + _BATCH]).delete()
    fields = model.section.field_names
    rows = [
        (uscc, *(row.get(f) for f in fields))
        for uscc, d in dossiers.items()
        for row in d.get(section_key) or ()
    ]
    insert_rows(model, ("uscc", *fields), rows)


def _changed(old: Mapping[str, Any] | None, new: Mapping[str, Any], key: str) -> bool:
    if old is None:
        return True
    if key == "credit_events":
        return any(
            (old.get("credit") or {}).get(f) != (new.get("credit") or {}).get(f) for f in CREDIT_EVENT_FIELDS
        )
    return old.get(key) != new.get(key)


@transaction.atomic
def dossiers_apply(
    *,
    dossiers: Sequence[Mapping[str, Any]],
    user: User | None,
    source: str,
    batch: ImportBatch | None = None,
) -> ApplyResult:
    """Upsert validated dossiers by USCC in one transaction, recording every change.

    Sections of an enterprise that did not change are left untouched; a section that changed is
    replaced whole (so re-importing the same file is idempotent and changes nothing).
    """
    new = {d["uscc"]: canonical_dossier(d) for d in dossiers}
    old = dossiers_load(usccs=new.keys())
    result = ApplyResult()
    records: list[ChangeRecord] = []
    for uscc, dossier in new.items():
        before = old.get(uscc)
        if before is None:
            result.created.append(uscc)
            records.append(
                ChangeRecord(uscc=uscc, path="", label=CREATED_LABEL, new={"name": dossier["name"]})
            )
        elif before == dossier:
            result.unchanged.append(uscc)
        else:
            result.updated.append(uscc)
            records += [
                ChangeRecord(uscc=uscc, path=c.path, label=c.label, old=c.old, new=c.new)
                for c in diff_dossiers(before, dossier)
            ]

    Enterprise.objects.bulk_create(
        [Enterprise(**_enterprise_values(new[u])) for u in result.created], batch_size=_BATCH
    )
    if result.updated:
        existing = Enterprise.objects.in_bulk(result.updated, field_name="uscc")
        for uscc in result.updated:
            for name, value in _enterprise_values(new[uscc]).items():
                setattr(existing[uscc], name, value)
        Enterprise.objects.bulk_update(
            list(existing.values()), [*_BASE_FIELDS, "updated_at"], batch_size=_BATCH
        )

    touched = result.created + result.updated
    for key in (*(s.key for s in LIST_SECTIONS), "credit_events"):
        changed = {u: new[u] for u in touched if _changed(old.get(u), new[u], key)}
        _replace_rows(section_key=key, dossiers=changed, existing=set(result.updated))

    ids = dict(Enterprise.objects.filter(uscc__in=touched).values_list("uscc", "id")) if touched else {}
    for record in records:
        record.enterprise_id = ids.get(record.uscc)
        record.user = user
        record.source = source
        record.batch = batch
    ChangeRecord.objects.bulk_create(records, batch_size=_BATCH)
    result.changes = len(records)
    return result


def import_limits() -> ReadLimits:
    """The limits on an imported file, from the ``LINGJUN_IMPORT_*`` settings."""
    return ReadLimits(
        file_bytes=settings.LINGJUN_IMPORT_MAX_FILE_MB * MB,
        unzipped_bytes=settings.LINGJUN_IMPORT_MAX_UNZIPPED_MB * MB,
        rows=settings.LINGJUN_IMPORT_MAX_ROWS,
        cells=settings.LINGJUN_IMPORT_MAX_CELLS,
    )


def _parse(*, source: Path | IO[bytes], file_name: str, today: date, limits: ReadLimits) -> ParseResult:
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".jsonl", ".xlsx"):
        raise ValueError(FORMAT_NOT_SUPPORTED.format(suffix=suffix or file_name))
    size = file_size(source)
    if size > limits.file_bytes:
        message = MSG_FILE_BYTES.format(size=size_text(size), limit=size_text(limits.file_bytes))
        error = DossierError(file_name, None, "", "", "", None, message, "file_too_large", source="file")
        return ParseResult(errors=[error])
    towns = division_names() or None
    if suffix == ".jsonl":
        return read_jsonl(source, today=today, towns=towns, name=file_name, limits=limits)
    return read_workbook(source, today=today, towns=towns, name=file_name, limits=limits)


def _refused(*, file_name: str, user: User | None, errors: Sequence[DossierError]) -> ImportRefused:
    """Record a refused import (its batch keeps the first errors, and the audit log) and return
    the exception that says so."""
    kept = errors[: settings.LINGJUN_IMPORT_MAX_ERRORS]
    batch = ImportBatch.objects.create(
        file_name=file_name,
        file_format=Path(file_name).suffix.lower().lstrip("."),
        user=user,
        status=ImportBatch.Status.REFUSED,
        errors=[{**json_safe(e.as_dict())} for e in kept],
        error_count=len(errors),
    )
    detail = {"status": "refused", "errors": len(errors)}
    audit_record(action=AuditEvent.Action.IMPORT, user=user, target=file_name, detail=detail)
    return ImportRefused(batch, errors)


def enterprises_import_screen(*, source: Path | IO[bytes], file_name: str, user: User | None) -> None:
    """Refuse a file that passes one of the import limits (size; an .xlsx's parts, unzipped size,
    rows and cells; a .jsonl's lines) before it is stored for a job, reading no value.

    Raises ``ValueError`` for a format that cannot be imported and :class:`ImportRefused` (the
    refused batch recorded, as by :func:`enterprises_import_file`) for a file past a limit.
    """
    suffix = Path(file_name).suffix.lower()
    if suffix not in (".jsonl", ".xlsx"):
        raise ValueError(FORMAT_NOT_SUPPORTED.format(suffix=suffix or file_name))
    error = screen_file(source, file_name=file_name, limits=import_limits())
    if error is not None:
        raise _refused(file_name=file_name, user=user, errors=[error])


def enterprises_import_file(
    *, source: Path | IO[bytes], file_name: str, user: User | None, today: date
) -> ImportBatch:
    """Import a JSON Lines or Excel dossier file: all of it, or — on any error — none of it.

    Raises :class:`ImportRefused` (with every error: sheet, row, column, value, what is expected)
    after logging the refused batch; the pool is then unchanged. The batch keeps the first
    ``LINGJUN_IMPORT_MAX_ERRORS`` errors (values cut to a readable length) and their total.
    A file past the import limits (:func:`import_limits`) is refused before it is read whole.
    """
    fmt = Path(file_name).suffix.lower().lstrip(".")
    parsed = _parse(source=source, file_name=file_name, today=today, limits=import_limits())
    if parsed.errors:
        raise _refused(file_name=file_name, user=user, errors=parsed.errors)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            file_name=file_name, file_format=fmt, user=user, status=ImportBatch.Status.ACCEPTED
        )
        result = dossiers_apply(
            dossiers=parsed.dossiers, user=user, source=ChangeRecord.Source.IMPORT, batch=batch
        )
        batch.created, batch.updated, batch.unchanged = (
            len(result.created),
            len(result.updated),
            len(result.unchanged),
        )
        batch.save(update_fields=["created", "updated", "unchanged"])
        detail = {"status": "accepted", "created": batch.created, "updated": batch.updated}
        audit_record(action=AuditEvent.Action.IMPORT, user=user, target=file_name, detail=detail)
    return batch


# ----------------------------------------------------------------------- restricted fields

REQUEST_NOT_PENDING = "该变更申请已于 {at} 由 {who} 处理（{status}），不能再次审核。"
REQUEST_INVALID = "按申请值修改后档案不能通过校验：{problems}。请驳回，由企业更正后重新提交。"


@dataclass
class EditResult:
    """What an edit did: the changes applied, and the changes that went to an officer as requests."""

    applied: ApplyResult
    requested: list[ChangeRequest] = field(default_factory=list)


def _restricted_parts(dossier: Mapping[str, Any], restricted: frozenset[str]) -> dict[str, Any]:
    """The restricted values of a canonical dossier, by ``enterprise.<field>`` or section key."""
    credit = dossier.get("credit") or {}
    parts: dict[str, Any] = {}
    for spec in ENTERPRISE.fields:
        if field_is_restricted(restricted, "enterprise", spec.name):
            parts[f"enterprise.{spec.name}"] = (credit if spec.name in CREDIT_FIELDS else dossier).get(
                spec.name
            )
    for section in LIST_SECTIONS:
        if field_is_restricted(restricted, section.key, "*"):
            parts[section.key] = list(dossier.get(section.key) or [])
    return parts


def _with_part(dossier: Mapping[str, Any], key: str, value: Any) -> dict[str, Any]:
    """``dossier`` with one restricted part set to ``value`` (``None``/empty removes it)."""
    out = dict(dossier)
    section, _dot, name = key.partition(".")
    if section == "enterprise":
        target = dict(out.get("credit") or {}) if name in CREDIT_FIELDS else out
        if value is None:
            target.pop(name, None)
        else:
            target[name] = value
        if name in CREDIT_FIELDS:
            out["credit"] = target
    elif value:
        out[key] = value
    else:
        out.pop(key, None)
    return out


def _part_label(key: str) -> str:
    section, _dot, name = key.partition(".")
    if section == "enterprise":
        return ENTERPRISE.field(name).label
    return next(s.label for s in LIST_SECTIONS if s.key == key)


class DossierChanged(Exception):
    """Someone else saved the dossier after it was loaded for editing; nothing was saved.

    ``latest`` are the change records of the newest save (newest first), to show what changed.
    """

    def __init__(self, uscc: str, latest: list[ChangeRecord]) -> None:
        super().__init__(f"{uscc}: 已被他人修改")
        self.uscc = uscc
        self.latest = latest


def _check_version(uscc: str, expected: str) -> None:
    """Lock the enterprise's row, then compare the dossier with the version the editor loaded.

    The lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one writer at a time) makes
    the check and the write one step: a concurrent save waits here until the first commits, then
    sees its changes and is refused.
    """
    Enterprise.objects.select_for_update().filter(uscc=uscc).values_list("pk", flat=True).first()
    current = dossiers_load(usccs=[uscc]).get(uscc, {"uscc": uscc})
    if dossier_version(current) != expected:
        records = list(
            ChangeRecord.objects.filter(uscc=uscc).select_related("user").order_by("-at", "-id")[:50]
        )
        newest = [r for r in records if r.at == records[0].at] if records else []
        raise DossierChanged(uscc, newest)


@transaction.atomic
def dossier_edit_submit(
    *, dossier: Mapping[str, Any], user: User, source: str, expected_version: str | None = None
) -> EditResult:
    """Save a validated dossier edited by ``user``; the fields the permission matrix keeps from
    ``user`` (:func:`lingjun.apps.accounts.permissions.restricted_fields`) are not changed but
    become change requests (变更申请) for an officer to approve or reject.

    ``expected_version`` (:func:`lingjun.apps.enterprises.selectors.dossier_version` of the
    dossier as the editor loaded it) is checked inside the transaction, under a row lock: if
    someone else saved meanwhile, :class:`DossierChanged` is raised and nothing is saved.
    """
    if expected_version is not None:
        _check_version(dossier["uscc"], expected_version)
    restricted = restricted_fields(user)
    if not restricted:
        return EditResult(dossiers_apply(dossiers=[dossier], user=user, source=source))
    uscc = dossier["uscc"]
    current = dossiers_load(usccs=[uscc]).get(uscc)
    edited = canonical_dossier(dossier)
    if current is None:  # an enterprise user cannot create enterprises; nothing to keep
        return EditResult(dossiers_apply(dossiers=[dossier], user=user, source=source))
    before, after = _restricted_parts(current, restricted), _restricted_parts(edited, restricted)
    kept = edited
    requested = []
    enterprise = Enterprise.objects.get(uscc=uscc)
    for key, new in after.items():
        old = before[key]
        if new == old:
            continue
        kept = _with_part(kept, key, old)
        # one open request per field: a newer one replaces the older
        ChangeRequest.objects.filter(
            enterprise=enterprise, field=key, status=ChangeRequest.Status.PENDING
        ).delete()
        requested.append(
            ChangeRequest.objects.create(
                enterprise=enterprise,
                field=key,
                label=_part_label(key),
                old=json_safe(old),
                new=json_safe(new),
                requested_by=user,
            )
        )
    return EditResult(dossiers_apply(dossiers=[kept], user=user, source=source), requested)


@transaction.atomic
def change_request_decide(
    *, request_id: int, user: User, approve: bool, note: str = "", today: date
) -> ChangeRequest:
    """Approve (apply the requested value, recorded as the officer's change) or reject a pending
    change request. The request row is locked, so two officers deciding at once decide once."""
    # lock the request row only (PostgreSQL refuses FOR UPDATE on the nullable side of the join)
    request = (
        ChangeRequest.objects.select_for_update(of=("self",))
        .select_related("enterprise", "decided_by")
        .get(pk=request_id)
    )
    if request.status != ChangeRequest.Status.PENDING:
        who = request.decided_by.get_full_name() or request.decided_by.username if request.decided_by else "—"
        raise ValidationError(
            REQUEST_NOT_PENDING.format(
                at=request.decided_at.strftime("%Y-%m-%d %H:%M") if request.decided_at else "—",
                who=who,
                status=request.get_status_display(),
            ),
            code="not_pending",
        )
    if approve:
        uscc = request.enterprise.uscc
        current = dossiers_load(usccs=[uscc])[uscc]
        changed, problems = parse_dossier(
            json_safe(_with_part(current, request.field, request.new)),
            today=today,
            towns=division_names() or None,
        )
        if problems:
            raise ValidationError(
                REQUEST_INVALID.format(problems="；".join(p.message for p in problems[:5])), code="invalid"
            )
        dossiers_apply(dossiers=[changed], user=user, source=ChangeRecord.Source.FORM)
    request.status = ChangeRequest.Status.APPROVED if approve else ChangeRequest.Status.REJECTED
    request.decided_by, request.decided_at, request.note = user, timezone.now(), note[:500]
    request.save(update_fields=["status", "decided_by", "decided_at", "note"])
    return request


def demo_change_requests(*, today: date, users: Mapping[str, User]) -> str:
    """Demo district: the enterprise user's change requests, one in each state (once)."""
    firm, staff = users.get("enterprise"), users.get("district_staff")
    if firm is None or staff is None or firm.enterprise_id is None or ChangeRequest.objects.exists():
        return ""
    uscc = Enterprise.objects.get(pk=firm.enterprise_id).uscc
    current = dossiers_load(usccs=[uscc])[uscc]
    parks = [p for p in division_names(kinds=["park"]) if p != current.get("park")]
    towns = [t for t in division_names(kinds=["street", "town"]) if t != current.get("town")]
    credit = current.get("credit") or {}
    approved = dossier_edit_submit(dossier={**current, "park": parks[0]}, user=firm, source="form").requested
    change_request_decide(
        request_id=approved[0].pk, user=staff, approve=True, note="已核实园区入驻协议", today=today
    )
    rejected = dossier_edit_submit(
        dossier={
            **current,
            "park": parks[0],
            "credit": {**credit, "abnormal_operation": not credit.get("abnormal_operation")},
        },
        user=firm,
        source="form",
    ).requested
    change_request_decide(
        request_id=rejected[0].pk,
        user=staff,
        approve=False,
        note="与国家企业信用信息公示系统不符",
        today=today,
    )
    current = dossiers_load(usccs=[uscc])[uscc]
    dossier_edit_submit(dossier={**current, "town": towns[0]}, user=firm, source="form")
    return "变更申请：已同意 1 条、已驳回 1 条、待审核 1 条。"
