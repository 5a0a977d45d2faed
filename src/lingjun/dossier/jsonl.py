"""Dossiers as JSON Lines: one JSON object per enterprise per line, UTF-8.

:func:`write_jsonl` writes *canonical* bytes: keys in schema order (enterprise fields, then
``credit``, then the list sections; inside a row the section's field order), ``None`` omitted,
empty list sections and an empty ``credit`` omitted, decimals as plain JSON numbers without
exponent or trailing zeros (``3200.50`` → ``3200.5``, ``100.0`` → ``100``), dates as ISO text,
non-ASCII characters as themselves, compact separators, ``\\n`` line endings. Writing what
:func:`read_jsonl` read from canonical bytes gives the same bytes.

:func:`read_jsonl` validates every line (:func:`lingjun.dossier.validate.parse_dossier`) and
reports every problem with the file name, the line number and the JSON path.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from lingjun.dossier.errors import DossierError, ParseResult
from lingjun.dossier.limits import MSG_LINE_BYTES, MSG_ROWS, FileTooLarge, ReadLimits, size_text
from lingjun.dossier.schema import CREDIT_FIELDS, ENTERPRISE, LIST_SECTIONS
from lingjun.dossier.validate import (
    DOSSIER_KEYS,
    MSG_DUPLICATE_USCC,
    json_path,
    parse_dossier,
    plain_decimal,
)

MSG_ENCODING = "不是UTF-8编码的文本（第{pos}个字节处）。请用UTF-8编码保存文件后重新上传。"
MSG_INVALID_JSON = "不是有效的JSON：第{col}个字符处{reason}。每行应为一个完整的JSON对象，请改正。"
MSG_NOT_OBJECT = "每行应为一个JSON对象（以“{{”开头、“}}”结尾），这一行是{kind}。请改正。"
MSG_DUPLICATE_KEY = "键“{key}”在同一个JSON对象中出现了不止一次，请只保留一个。"
MSG_NON_FINITE = "不是有效的JSON：含有{value}，JSON中不允许这样的数值。请改为数字或删除该项。"
MSG_LONG_NUMBER = "含有一个{digits}位的整数，超出系统可处理的范围。请核对数值和单位。"

#: Python's json error messages, in Chinese
_JSON_REASONS = {
    "Expecting value": "缺少值（或有多余的逗号）",
    "Expecting ',' delimiter": "缺少逗号",
    "Expecting ':' delimiter": "缺少冒号",
    "Expecting property name enclosed in double quotes": "键名应使用英文双引号（或有多余的逗号）",
    "Unterminated string starting at": "字符串缺少结尾的引号",
    "Invalid control character at": "字符串中有未转义的控制字符（如换行）",
    "Invalid \\escape": "反斜杠转义无效",
    "Invalid \\uXXXX escape": "\\u转义无效",
    "Extra data": "有多余的内容（每行只能有一个JSON对象）",
}
_JSON_KINDS = {list: "数组", str: "字符串", int: "数字", Decimal: "数字", bool: "布尔值", type(None): "null"}

_BOM = b"\xef\xbb\xbf"
_DEFAULT_NAME = "上传的文件"

# ---------------------------------------------------------------------------------------- write

_encode_str: Any = json.encoder.encode_basestring


class _Layout:
    """The canonical key order of one kind of object, with a cache of per-key-set plans."""

    __slots__ = ("fields", "allowed", "plans")

    def __init__(self, names: Iterable[str], allowed: Iterable[str] | None = None) -> None:
        self.fields = tuple((name, f'"{name}":') for name in names)
        self.allowed = frozenset(allowed if allowed is not None else (n for n, _ in self.fields))
        self.plans: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}

    def plan(self, obj: Mapping[str, Any], where: tuple[object, ...]) -> tuple[tuple[str, str], ...]:
        """``(key, '"key":')`` of the keys of ``obj``, in canonical order."""
        keys = tuple(obj)
        plan = self.plans.get(keys)
        if plan is None:
            unknown = [k for k in keys if k not in self.allowed]
            if unknown:
                raise ValueError(f"{_where(where)}: unknown key {unknown[0]!r}")
            present = set(keys)
            plan = tuple(f for f in self.fields if f[0] in present)
            if len(self.plans) < 4096:
                self.plans[keys] = plan
        return plan


def _where(parts: tuple[object, ...]) -> str:
    return "".join(
        f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p)) for i, p in enumerate(parts)
    )


_TOP = _Layout((f.name for f in ENTERPRISE.fields if f.name not in CREDIT_FIELDS), DOSSIER_KEYS)
_CREDIT = _Layout(CREDIT_FIELDS)
_LISTS = tuple((s.key, f'"{s.key}":[', _Layout(s.field_names)) for s in LIST_SECTIONS)


def _decimal(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"{value} is not a finite number")
    text = str(value)
    if "E" in text:
        return plain_decimal(value)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _float(value: float) -> str:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return plain_decimal(Decimal(repr(value)))


def _date(value: date) -> str:
    return f'"{value.isoformat()}"'


def _list(value: list[Any] | tuple[Any, ...]) -> str:
    return "[" + ",".join(_scalar(v) for v in value) + "]"


_ENCODERS: dict[type, Callable[[Any], str]] = {
    str: _encode_str,
    int: str,
    Decimal: _decimal,
    date: _date,
    bool: lambda v: "true" if v else "false",
    float: _float,
    list: _list,
    tuple: _list,
}


def _scalar(value: Any) -> str:
    encode = _ENCODERS.get(type(value))
    if encode is not None:
        return encode(value)
    if isinstance(value, datetime):
        raise TypeError(f"datetime {value!r} is not a date; pass datetime.date")
    # subclasses (IntEnum, StrEnum …)
    if isinstance(value, bool | int):
        return _scalar(bool(value) if isinstance(value, bool) else int(value))
    if isinstance(value, str):
        return _scalar(str(value))
    if isinstance(value, date):
        return _date(value)
    raise TypeError(f"cannot write {type(value).__name__} {value!r}")


def _object(obj: Mapping[str, Any], layout: _Layout, where: tuple[object, ...]) -> str:
    parts = []
    encoders = _ENCODERS
    for key, prefix in layout.plan(obj, where):
        value = obj[key]
        if value is not None:
            try:
                encode = encoders.get(type(value))
                parts.append(prefix + (encode(value) if encode is not None else _scalar(value)))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"{_where((*where, key))}: {exc}") from None
    return "{" + ",".join(parts) + "}"


def dossier_json(dossier: Mapping[str, Any]) -> str:
    """The canonical JSON text of one dossier (no newline).

    Raises ``ValueError`` for keys that are not part of the dossier format and ``TypeError`` for
    values that have no JSON form (the writer is for normalised dossiers).
    """
    uscc = dossier.get("uscc", "?")
    top = _object(dossier, _TOP, (uscc,))
    parts = [top[1:-1]] if top != "{}" else []
    credit = dossier.get("credit")
    if credit:
        text = _object(credit, _CREDIT, (uscc, "credit"))
        if text != "{}":
            parts.append(f'"credit":{text}')
    for key, prefix, layout in _LISTS:
        rows = dossier.get(key)
        if rows:
            items = ",".join([_object(row, layout, (uscc, key, i)) for i, row in enumerate(rows)])
            parts.append(f"{prefix}{items}]")
    return "{" + ",".join(parts) + "}"


def write_jsonl(dossiers: Iterable[Mapping[str, Any]], out: IO[bytes] | Path) -> int:
    """Write canonical JSON Lines; returns the number of dossiers written."""
    if isinstance(out, str | os.PathLike):
        with open(out, "wb") as fh:
            return write_jsonl(dossiers, fh)
    count = 0
    batch: list[str] = []
    for dossier in dossiers:
        batch.append(dossier_json(dossier))
        count += 1
        if len(batch) >= 1000:
            out.write(("\n".join(batch) + "\n").encode("utf-8"))
            batch.clear()
    if batch:
        out.write(("\n".join(batch) + "\n").encode("utf-8"))
    return count


# ----------------------------------------------------------------------------------------- read


class _NonFinite(ValueError):
    pass


class _LongNumber(ValueError):
    pass


_MAX_INT_DIGITS = 40  # far above any amount (below 10¹⁴) or year; Python refuses 4 300 and more


def _parse_int(text: str) -> int:
    if len(text) > _MAX_INT_DIGITS:
        raise _LongNumber(len(text.lstrip("-")))
    return int(text)


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(name)


def _source_name(source: object) -> str:
    name = getattr(source, "name", None)
    if isinstance(name, str | os.PathLike) and str(name):
        return Path(name).name
    return _DEFAULT_NAME


class _LongLine(bytes):
    """A line longer than the limit: only its start was read."""


def _lines(fh: IO[bytes], limits: ReadLimits) -> Iterator[tuple[int, bytes]]:
    """Numbered lines, each read at most ``limits.line_bytes`` long (the rest is skipped)."""
    number = 0
    while True:
        line = fh.readline(limits.line_bytes + 1)
        if not line:
            return
        number += 1
        if number > limits.rows:
            raise FileTooLarge("too_many_rows", MSG_ROWS.format(limit=limits.rows), row=number)
        if number == 1 and line.startswith(_BOM):
            line = line[len(_BOM) :]
        if len(line) > limits.line_bytes and not line.endswith(b"\n"):
            while (rest := fh.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            line = _LongLine(line[:64])
        yield number, line


def jsonl_screen(fh: IO[bytes], *, limits: ReadLimits) -> None:
    """Count the lines of a JSON Lines file against ``limits`` without parsing them (an upload is
    screened so before it is stored for a job); raises :class:`FileTooLarge`."""
    for _number, _line in _lines(fh, limits):
        pass


def read_jsonl(
    source: Path | IO[bytes],
    *,
    today: date,
    towns: Collection[str] | None = None,
    name: str | None = None,
    limits: ReadLimits | None = None,
) -> ParseResult:
    """Read and validate a JSON Lines file of dossiers.

    ``name`` is the file name used in the messages (default: the name of ``source``). Blank
    lines are skipped; a UTF-8 byte order mark is accepted. Every problem is listed, each with
    ``sheet`` = file name, ``row`` = line number and ``column`` = JSON path. ``dossiers`` are
    the dossiers without problems (a USCC that occurs on several lines excludes all of them).
    """
    limits = limits or ReadLimits()
    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as fh:
            return _read_limited(fh, name or Path(source).name, today=today, towns=towns, limits=limits)
    return _read_limited(source, name or _source_name(source), today=today, towns=towns, limits=limits)


def _read_limited(
    fh: IO[bytes], sheet: str, *, today: date, towns: Collection[str] | None, limits: ReadLimits
) -> ParseResult:
    try:
        return _read(fh, sheet, today=today, towns=towns, limits=limits)
    except FileTooLarge as exc:
        return ParseResult(errors=[_error(sheet, exc.row or 0, exc.message, exc.code)])


def _error(
    sheet: str, line: int, message: str, code: str, *, column: str = "", field: str = "", value: object = None
) -> DossierError:
    label = ""
    if field and field in ENTERPRISE.field_names:
        label = ENTERPRISE.field(field).label
    return DossierError(sheet, line, column, field, label, value, message, code, "jsonl")


def _read(
    fh: IO[bytes], sheet: str, *, today: date, towns: Collection[str] | None, limits: ReadLimits
) -> ParseResult:
    errors: list[DossierError] = []
    parsed: list[tuple[int, dict[str, Any], bool]] = []  # (line, dossier, clean)
    first_line: dict[str, int] = {}
    duplicated: set[str] = set()
    duplicate_keys: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(items)
        if len(obj) != len(items):
            seen: set[str] = set()
            for key, _ in items:
                if key in seen:
                    duplicate_keys.append(key)
                seen.add(key)
        return obj

    for number, raw in _lines(fh, limits):
        if isinstance(raw, _LongLine):
            message = MSG_LINE_BYTES.format(limit=size_text(limits.line_bytes))
            errors.append(_error(sheet, number, message, "line_too_long"))
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(_error(sheet, number, MSG_ENCODING.format(pos=exc.start + 1), "encoding"))
            continue
        if not text.strip():
            continue
        duplicate_keys.clear()
        try:
            obj = json.loads(
                text,
                parse_float=Decimal,
                parse_int=_parse_int,
                parse_constant=_refuse_constant,
                object_pairs_hook=pairs,
            )
        except _LongNumber as exc:
            errors.append(_error(sheet, number, MSG_LONG_NUMBER.format(digits=exc.args[0]), "json"))
            continue
        except _NonFinite as exc:
            errors.append(_error(sheet, number, MSG_NON_FINITE.format(value=exc.args[0]), "json"))
            continue
        except json.JSONDecodeError as exc:
            reason = _JSON_REASONS.get(exc.msg, exc.msg)
            errors.append(
                _error(sheet, number, MSG_INVALID_JSON.format(col=exc.colno, reason=reason), "json")
            )
            continue
        if not isinstance(obj, dict):
            kind = _JSON_KINDS.get(type(obj), type(obj).__name__)
            errors.append(_error(sheet, number, MSG_NOT_OBJECT.format(kind=kind), "type", value=obj))
            continue
        line_errors = [
            _error(sheet, number, MSG_DUPLICATE_KEY.format(key=key), "duplicate_key", field=key)
            for key in dict.fromkeys(duplicate_keys)
        ]
        dossier, problems = parse_dossier(obj, today=today, towns=towns)
        line_errors += [
            p.to_error(sheet=sheet, row=number, column=p.json_path, source="jsonl") for p in problems
        ]
        code = dossier.get("uscc")
        if code is not None:
            if code in first_line:
                duplicated.add(code)
                line_errors.append(
                    _error(
                        sheet,
                        number,
                        MSG_DUPLICATE_USCC.format(first=first_line[code]),
                        "duplicate_uscc",
                        column=json_path(("uscc",)),
                        field="uscc",
                        value=code,
                    )
                )
            else:
                first_line[code] = number
        errors += line_errors
        parsed.append((number, dossier, not line_errors))
    dossiers = [d for _, d, clean in parsed if clean and d.get("uscc") not in duplicated]
    return ParseResult(dossiers=dossiers, errors=errors)
