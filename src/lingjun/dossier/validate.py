"""Validation and normalisation of one dossier.

:func:`parse_dossier` takes a dossier as parsed from JSON (or assembled from Excel rows) and
returns the *normalised* dossier plus every problem found:

* a plain ``dict`` shaped like the JSON: enterprise fields in schema order, then ``credit`` (a
  dict, only if something in it is known), then the list sections in schema order (only if they
  have rows), each row a dict in schema field order;
* values typed: ``str`` (surrounding whitespace removed), ``datetime.date``, ``decimal.Decimal``
  (never ``float``), ``int``, ``bool``, ``list[int]`` (credit years; ``[]`` means "known: none");
* absent keys mean unknown; ``None`` and empty strings are treated as absent.

Inputs are accepted in the JSON forms and in a few forms that clerks type into Excel: numbers as
numeric text, dates as ``date`` objects or ``YYYY-MM-DD`` text, enums as the code or the Chinese
label, booleans as ``true``/``false``/``是``/``否``, credit years as ``"2021,2023"`` or ``"无"``.
A normalised dossier parses to itself.

Problems are :class:`FieldProblem` objects located by a *path* into the dossier
(``("annual", 2, "operating_revenue")``); the JSON Lines reader turns a path into a JSON path and
the Excel reader into a sheet, row and column. File-level checks (duplicate USCC, list rows of
unknown enterprises) are the readers' job; their message templates live here too.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from lingjun.dossier import uscc as uscc_mod
from lingjun.dossier.errors import DossierError, LongText, display_value, keep_value
from lingjun.dossier.schema import (
    CREDIT_FIELDS,
    ENTERPRISE,
    LIST_SECTIONS,
    SECTIONS_BY_KEY,
    FieldSpec,
    Section,
)

# --------------------------------------------------------------------------- message templates

MSG_REQUIRED = "此项为必填项，请填写{label}。"
MSG_TYPE_TEXT = "应为文字，请填写文本内容。"
MSG_CONTROL_CHAR = "含有不可见的控制字符（常见于从其他系统复制粘贴），请删除后重新输入。"
MSG_INVISIBLE_CHAR = (
    "第{position}个字符是不可见的格式字符（U+{code}，{name}），会使文字显示得与实际内容不同，"
    "请删除后重新输入。"
)
MSG_TOO_LONG = "内容过长：共{length}个字符，最多{max}个字符，请删减。"
MSG_TYPE_DATE = "应为日期，格式为YYYY-MM-DD（例如2024-03-01），请改正。"
MSG_DATE_INVALID = "不是真实存在的日期，请核对年、月、日。"
MSG_DATE_RANGE = "日期早于1900年，请核对年份。"
MSG_FUTURE_DATE = "日期晚于今天（{today}），请填写已经发生的日期。"
MSG_TYPE_NUMBER = "应为数字{unit}，例如3200.5；请只填写数字，不要带单位、千分位逗号或空格。"
MSG_TYPE_INT = "应为整数，例如{example}；请只填写数字。"
MSG_TOO_LARGE = "数值过大，超出系统可处理的范围，请核对数值和单位{unit}。"
MSG_NEGATIVE = "{what}不能为负数，请填写0或正数。"
MSG_TYPE_BOOL = "应为“是”或“否”（JSON中为true或false），请改正。"
MSG_ENUM = "不是允许的取值，应为以下之一：{allowed}。请从下拉列表中选择，或照此填写。"
MSG_TYPE_YEAR_LIST = (
    "应为年度列表，多个年度用逗号分隔，例如“2021,2023”；没有请填“无”（JSON中为整数数组，例如[2021, 2023]）。"
)
MSG_FUTURE_YEAR = "年度晚于今年（{year}年），请填写已经发生的年度。"
MSG_YEAR_RANGE = "不是合理的年度，应为四位公历年份（1900—{year}），例如{year}。"
MSG_DUPLICATE_YEAR = "{year}年度重复，同一企业每个年度只能填写一行，请删除或合并重复的行。"
MSG_DUPLICATE_LIST_YEAR = "年度{year}重复填写，请删除重复的年度。"
MSG_TECH_STAFF = "科技人员数（{tech_staff}人）大于职工总数（{employees}人），请核对{year}的人数。"
MSG_EXPIRY_BEFORE_GRANT = "{label}（{expires}）早于{start_label}（{start}），请核对这两个日期。"
MSG_UNKNOWN_TOWN = "不是本区的镇街，应为以下之一：{allowed}。请填写镇街全称。"
MSG_UNKNOWN_FIELD = "“{key}”不是{where}的字段，允许的字段为：{allowed}。请删除或改正该字段名。"
MSG_TYPE_OBJECT = '应为JSON对象（形如{{"键": 值}}），请改正。'
MSG_TYPE_LIST = "应为JSON数组，每个元素是一行{label}（形如[{{…}}, {{…}}]），请改正。"
MSG_USCC = "{problem}。请对照营业执照核对统一社会信用代码。"
#: used by the readers (file-level check); ``first`` is the row/line of the first occurrence
MSG_DUPLICATE_USCC = "统一社会信用代码与第{first}行重复，同一企业只能出现一次，请合并或删除重复的记录。"

#: smallest year (and year of dates) accepted
MIN_YEAR = 1900
#: decimals must stay below this (the table form stores decimal128(18, 4): 10¹⁴ 万元)
MAX_DECIMAL = Decimal(10) ** 14
#: ints must fit the table form's int32
MAX_INT = 2**31 - 1

# ------------------------------------------------------------------------------------ problems

PathPart = str | int
Path = tuple[PathPart, ...]


@dataclass(frozen=True)
class FieldProblem:
    """A problem of one dossier, located by its path into the dossier.

    ``path`` is e.g. ``("uscc",)``, ``("credit", "research_misconduct_years", 1)`` or
    ``("annual", 2, "operating_revenue")`` (list indexes 0-based). ``field`` is the field the
    problem is about (for unknown keys: the key), ``label`` its Chinese label.
    """

    path: Path
    field: str
    label: str
    value: object
    message: str
    code: str

    @property
    def section(self) -> Section:
        """The section of the field: a list section, or the enterprise (incl. ``credit``)."""
        head = self.path[0] if self.path else None
        section = SECTIONS_BY_KEY.get(head) if isinstance(head, str) else None
        return section or ENTERPRISE

    @property
    def row_index(self) -> int | None:
        """Index of the list row (``None`` for enterprise fields)."""
        if len(self.path) >= 2 and isinstance(self.path[1], int) and self.path[0] != "credit":
            return self.path[1]
        return None

    @property
    def json_path(self) -> str:
        return json_path(self.path)

    def to_error(
        self, *, sheet: str, row: int | None, column: str, source: Literal["excel", "jsonl"]
    ) -> DossierError:
        return DossierError(
            sheet=sheet,
            row=row,
            column=column,
            field=self.field,
            label=self.label,
            value=self.value,
            message=self.message,
            code=self.code,
            source=source,
        )


def json_path(path: Path) -> str:
    """``("annual", 2, "operating_revenue")`` → ``annual[2].operating_revenue``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


# ------------------------------------------------------------------------------------ helpers

_MISSING: Any = object()
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: bidirectional controls and zero-width characters: they make a text look unlike what it is
#: (U+202E shows "moc.exe" for "exe.com"; U+200B splits a name that looks whole)
INVISIBLE_CHARS = {
    "\u00ad": "软连字符",
    "\u061c": "阿拉伯字母标记",
    "\u180e": "蒙古文元音分隔符",
    "\u200b": "零宽空格",
    "\u200c": "零宽不连字",
    "\u200d": "零宽连字",
    "\u200e": "从左到右标记",
    "\u200f": "从右到左标记",
    "\u202a": "从左到右嵌入",
    "\u202b": "从右到左嵌入",
    "\u202c": "方向格式结束",
    "\u202d": "从左到右覆盖",
    "\u202e": "从右到左覆盖",
    "\u2060": "字连接符",
    "\u2061": "不可见函数应用",
    "\u2062": "不可见乘号",
    "\u2063": "不可见分隔符",
    "\u2064": "不可见加号",
    "\u2066": "从左到右隔离",
    "\u2067": "从右到左隔离",
    "\u2068": "首字符强隔离",
    "\u2069": "方向隔离结束",
    "\ufeff": "零宽不换行空格",
}
_INVISIBLE = re.compile("[" + "".join(INVISIBLE_CHARS) + "]")
#: text fields that are codes: NFKC (full-width letters and digits typed with a Chinese input
#: method become ASCII). Names and titles keep their full-width punctuation （）, which official
#: Chinese names use, and are normalised to NFC only.
NFKC_FIELDS = frozenset({"industry_code", "number", "code"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DECIMAL_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INT_TEXT = re.compile(r"[+-]?\d+")
_LIST_SEPARATORS = re.compile(r"[,，、;；\s]+")
_TRUE = frozenset({"true", "是"})
_FALSE = frozenset({"false", "否"})
_NONE_WORDS = frozenset({"无", "没有"})

#: top-level keys of a dossier, in canonical order
DOSSIER_KEYS: tuple[str, ...] = (
    *(f.name for f in ENTERPRISE.fields if f.name not in CREDIT_FIELDS),
    "credit",
    *(s.key for s in LIST_SECTIONS),
)
_ENTERPRISE_TOP = tuple(f for f in ENTERPRISE.fields if f.name not in CREDIT_FIELDS)
_CREDIT_SPECS = tuple(ENTERPRISE.field(n) for n in CREDIT_FIELDS)


def format_allowed(spec: FieldSpec) -> str:
    """``发明专利（invention_patent）、…`` — the allowed values of an enum for messages."""
    return "、".join(c.label if c.label == c.value else f"{c.label}（{c.value}）" for c in spec.choices)


def _unit_hint(spec: FieldSpec) -> str:
    return f"（单位：{spec.unit}）" if spec.unit else ""


def _what(spec: FieldSpec) -> str:
    if spec.unit == "万元":
        return "金额"
    if spec.unit == "人":
        return "人数"
    if spec.unit == "m²":
        return "面积"
    return spec.label


def _plain_text(value: str) -> str:
    """Numbers, dates and codes typed with a Chinese input method: full-width to ASCII."""
    text = value.strip()
    return text if text.isascii() else unicodedata.normalize("NFKC", text).strip()


def normalise_uscc(value: str) -> str:
    """Full-width characters to ASCII, surrounding whitespace removed, letters upper case."""
    return unicodedata.normalize("NFKC", value).strip().upper()


def _uscc_code(code: str) -> str:
    if len(code) != 18:
        return "uscc_length"
    if any(c not in uscc_mod.CHARSET for c in code):
        return "uscc_charset"
    return "uscc_check"


def plain_decimal(value: Decimal) -> str:
    """Plain notation, no exponent, no trailing zeros: 3200.50 → ``3200.5``, 1E+2 → ``100``."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


# ------------------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, today: date, towns: Collection[str] | None) -> None:
        self.today = today
        self.towns = towns
        self.problems: list[FieldProblem] = []

    def problem(self, path: Path, spec: FieldSpec | None, value: object, message: str, code: str) -> None:
        value = keep_value(value)
        name = spec.name if spec is not None else str(path[-1])
        label = spec.label if spec is not None else ""
        self.problems.append(FieldProblem(path, name, label, value, message, code))

    # ---- structure

    def dossier(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        self.unknown_keys(obj, (), DOSSIER_KEYS, "企业档案")
        out: dict[str, Any] = {}
        self.fields(obj, (), _ENTERPRISE_TOP, out)
        credit = obj.get("credit")
        if credit is not None:
            if isinstance(credit, Mapping):
                self.unknown_keys(credit, ("credit",), CREDIT_FIELDS, "信用情况")
                parsed: dict[str, Any] = {}
                self.fields(credit, ("credit",), _CREDIT_SPECS, parsed)
                if parsed:
                    out["credit"] = parsed
            else:
                self.problem(("credit",), None, credit, MSG_TYPE_OBJECT, "type")
        for section in LIST_SECTIONS:
            raw = obj.get(section.key)
            if raw is None:
                continue
            if not isinstance(raw, list | tuple):
                self.problem((section.key,), None, raw, MSG_TYPE_LIST.format(label=section.label), "type")
                continue
            rows = [self.row(section, i, item) for i, item in enumerate(raw)]
            kept = [r for r in rows if r is not None]
            if kept:
                out[section.key] = kept
        self.cross_checks(out)
        return out

    def unknown_keys(self, obj: Mapping[str, Any], path: Path, allowed: tuple[str, ...], where: str) -> None:
        for key in obj:
            if key not in allowed:
                self.problem(
                    (*path, str(key)),
                    None,
                    obj[key],
                    MSG_UNKNOWN_FIELD.format(key=key, where=where, allowed="、".join(allowed)),
                    "unknown_field",
                )

    def fields(
        self, obj: Mapping[str, Any], path: Path, specs: tuple[FieldSpec, ...], out: dict[str, Any]
    ) -> None:
        for spec in specs:
            raw = obj.get(spec.name)
            before = len(self.problems)
            value = _MISSING if raw is None else self.value(spec, raw, (*path, spec.name))
            if value is not _MISSING:
                out[spec.name] = value
            elif spec.required and len(self.problems) == before:
                self.problem((*path, spec.name), spec, raw, MSG_REQUIRED.format(label=spec.label), "required")

    def row(self, section: Section, index: int, item: object) -> dict[str, Any] | None:
        path: Path = (section.key, index)
        if not isinstance(item, Mapping):
            self.problem(path, None, item, MSG_TYPE_OBJECT, "type")
            return None
        self.unknown_keys(item, path, section.field_names, section.label)
        out: dict[str, Any] = {}
        self.fields(item, path, section.fields, out)
        return out

    # ---- cross-field checks

    def cross_checks(self, out: dict[str, Any]) -> None:
        town = out.get("town")
        if town is not None and self.towns is not None and town not in self.towns:
            self.problem(
                ("town",),
                ENTERPRISE.field("town"),
                town,
                MSG_UNKNOWN_TOWN.format(allowed="、".join(self.towns)),
                "unknown_town",
            )
        annual = SECTIONS_BY_KEY["annual"]
        seen: set[int] = set()
        for i, row in enumerate(out.get("annual", ())):
            year = row.get("year")
            if year is not None:
                if year in seen:
                    self.problem(
                        ("annual", i, "year"),
                        annual.field("year"),
                        year,
                        MSG_DUPLICATE_YEAR.format(year=year),
                        "duplicate_year",
                    )
                seen.add(year)
            tech, employees = row.get("tech_staff"), row.get("employees")
            if tech is not None and employees is not None and tech > employees:
                self.problem(
                    ("annual", i, "tech_staff"),
                    annual.field("tech_staff"),
                    tech,
                    MSG_TECH_STAFF.format(
                        tech_staff=display_value(tech),
                        employees=display_value(employees),
                        year="该年度" if year is None else f"{year}年度",
                    ),
                    "tech_staff_exceeds_employees",
                )
        for key, start_name in (("ip", "granted_on"), ("qualifications", "issued_on")):
            section = SECTIONS_BY_KEY[key]
            for i, row in enumerate(out.get(key, ())):
                start, expires = row.get(start_name), row.get("expires_on")
                if start is not None and expires is not None and expires < start:
                    spec = section.field("expires_on")
                    self.problem(
                        (key, i, "expires_on"),
                        spec,
                        expires,
                        MSG_EXPIRY_BEFORE_GRANT.format(
                            label=spec.label,
                            expires=expires.isoformat(),
                            start_label=section.field(start_name).label,
                            start=start.isoformat(),
                        ),
                        "expiry_before_grant",
                    )

    # ---- values

    def value(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        if isinstance(raw, str) and not raw.strip():
            return _MISSING
        kind = spec.type
        if kind == "str":
            return self.text(spec, raw, path)
        if kind == "enum":
            return self.enum(spec, raw, path)
        if kind == "date":
            return self.date(spec, raw, path)
        if kind == "decimal":
            return self.decimal(spec, raw, path)
        if kind == "int":
            return self.integer(spec, raw, path)
        if kind == "bool":
            return self.boolean(spec, raw, path)
        if kind == "int_list":
            return self.year_list(spec, raw, path)
        raise AssertionError(f"unknown field type {kind!r}")  # pragma: no cover

    def text(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        if spec.name == "uscc":
            return self.uscc(spec, raw, path)
        if not isinstance(raw, str):
            self.problem(path, spec, raw, MSG_TYPE_TEXT, "type")
            return _MISSING
        if isinstance(raw, LongText):  # cut by a reader: far too long
            message = MSG_TOO_LONG.format(length=raw.length, max=spec.max_length)
            self.problem(path, spec, raw, message, "too_long")
            return _MISSING
        if _ILLEGAL_CHARS.search(raw):
            self.problem(path, spec, raw, MSG_CONTROL_CHAR, "control_char")
            return _MISSING
        invisible = _INVISIBLE.search(raw)
        if invisible:
            char = invisible.group()
            message = MSG_INVISIBLE_CHAR.format(
                position=invisible.start() + 1, code=f"{ord(char):04X}", name=INVISIBLE_CHARS[char]
            )
            self.problem(path, spec, raw, message, "invisible_char")
            return _MISSING
        text = raw.strip()
        if not text.isascii():
            if spec.name in NFKC_FIELDS:
                text = unicodedata.normalize("NFKC", text).strip()
            else:
                text = unicodedata.normalize("NFC", text)
        if spec.max_length and len(text) > spec.max_length:
            self.problem(
                path, spec, raw, MSG_TOO_LONG.format(length=len(text), max=spec.max_length), "too_long"
            )
            return _MISSING
        return text

    def uscc(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        if not isinstance(raw, str):
            why = uscc_mod.uscc_problem(raw) or ""
            self.problem(path, spec, raw, MSG_USCC.format(problem=why), "type")
            return _MISSING
        code = normalise_uscc(raw)
        problem = uscc_mod.uscc_problem(code)
        if problem is not None:
            self.problem(path, spec, raw, MSG_USCC.format(problem=problem), _uscc_code(code))
            return _MISSING
        return code

    def enum(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        if isinstance(raw, str):
            text = raw.strip()
            for choice in spec.choices:
                if text == choice.value or text == choice.label:
                    return choice.value
        self.problem(path, spec, raw, MSG_ENUM.format(allowed=format_allowed(spec)), "enum")
        return _MISSING

    def date(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        value: date | None = None
        if isinstance(raw, datetime):
            if raw.tzinfo is None and raw.time() == time():
                value = raw.date()
        elif isinstance(raw, date):
            value = raw
        elif isinstance(raw, str) and _ISO_DATE.fullmatch(text := _plain_text(raw)):
            try:
                value = date.fromisoformat(text)
            except ValueError:
                self.problem(path, spec, raw, MSG_DATE_INVALID, "type")
                return _MISSING
        if value is None:
            self.problem(path, spec, raw, MSG_TYPE_DATE, "type")
            return _MISSING
        if value.year < MIN_YEAR:
            self.problem(path, spec, raw, MSG_DATE_RANGE, "year_range")
            return _MISSING
        if spec.not_future and value > self.today:
            self.problem(path, spec, raw, MSG_FUTURE_DATE.format(today=self.today.isoformat()), "future_date")
            return _MISSING
        return value

    def decimal(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        value: Decimal | None = None
        if isinstance(raw, bool):
            value = None
        elif isinstance(raw, int):
            value = Decimal(raw)
        elif isinstance(raw, float):
            value = Decimal(repr(raw))
        elif isinstance(raw, Decimal):
            value = raw
        elif isinstance(raw, str) and _DECIMAL_TEXT.fullmatch(text := _plain_text(raw)):
            value = Decimal(text)
        if value is None or not value.is_finite():
            self.problem(path, spec, raw, MSG_TYPE_NUMBER.format(unit=_unit_hint(spec)), "type")
            return _MISSING
        return self.magnitude(spec, raw, path, value, MAX_DECIMAL)

    def integer(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        value = _as_int(raw)
        if value is None:
            example = self.today.year if spec.name == "year" else 1
            self.problem(path, spec, raw, MSG_TYPE_INT.format(example=example), "type")
            return _MISSING
        if spec.name == "year":
            return value if self.check_year(spec, raw, path, value) else _MISSING
        return self.magnitude(spec, raw, path, value, MAX_INT + 1)

    def magnitude(self, spec: FieldSpec, raw: object, path: Path, value: Any, bound: Any) -> Any:
        if abs(value) >= bound:
            self.problem(path, spec, raw, MSG_TOO_LARGE.format(unit=_unit_hint(spec)), "too_large")
            return _MISSING
        if spec.nonnegative and value < 0:
            self.problem(path, spec, raw, MSG_NEGATIVE.format(what=_what(spec)), "negative")
            return _MISSING
        return value

    def check_year(self, spec: FieldSpec, raw: object, path: Path, year: int) -> bool:
        if year < MIN_YEAR:
            self.problem(path, spec, raw, MSG_YEAR_RANGE.format(year=self.today.year), "year_range")
            return False
        if year > self.today.year:
            self.problem(path, spec, raw, MSG_FUTURE_YEAR.format(year=self.today.year), "future_date")
            return False
        return True

    def boolean(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            text = _plain_text(raw).lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        self.problem(path, spec, raw, MSG_TYPE_BOOL, "type")
        return _MISSING

    def year_list(self, spec: FieldSpec, raw: object, path: Path) -> Any:
        items: list[object]
        if isinstance(raw, list | tuple):
            items = list(raw)
        elif isinstance(raw, str):
            text = raw.strip()
            items = [] if text in _NONE_WORDS else [p for p in _LIST_SEPARATORS.split(text) if p]
        elif _as_int(raw) is not None:
            items = [raw]
        else:
            self.problem(path, spec, raw, MSG_TYPE_YEAR_LIST, "type")
            return _MISSING
        years: list[int] = []
        ok = True
        for i, item in enumerate(items):
            item_path = (*path, i) if isinstance(raw, list | tuple) else path
            year = _as_int(item)
            if year is None:
                self.problem(item_path, spec, item, MSG_TYPE_YEAR_LIST, "type")
                ok = False
            elif not self.check_year(spec, item, item_path, year):
                ok = False
            elif year in years:
                self.problem(
                    item_path, spec, item, MSG_DUPLICATE_LIST_YEAR.format(year=year), "duplicate_year"
                )
                ok = False
            else:
                years.append(year)
        return years if ok else _MISSING


def _as_int(raw: object) -> int | None:
    """An int from an int, an integral float/Decimal or integer text; ``None`` otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if raw.is_integer() else None
    if isinstance(raw, Decimal):
        try:
            return int(raw) if raw.is_finite() and raw == raw.to_integral_value() else None
        except InvalidOperation:  # pragma: no cover - guarded by is_finite
            return None
    if isinstance(raw, str) and _INT_TEXT.fullmatch(text := _plain_text(raw)):
        return int(text)
    return None


def parse_dossier(
    obj: Mapping[str, Any], *, today: date, towns: Collection[str] | None = None
) -> tuple[dict[str, Any], list[FieldProblem]]:
    """Validate and normalise one dossier; returns ``(dossier, problems)``.

    Every problem is collected (the parser never stops at the first). The returned dossier holds
    the values that passed; it is only fit for use when ``problems`` is empty. ``today`` bounds
    the dates (fields with ``not_future``) and the years; ``towns``, when given, is the list of
    the district's 镇街 that ``town`` must be one of.
    """
    if not isinstance(obj, Mapping):
        raise TypeError(f"a dossier must be a mapping, not {type(obj).__name__}")
    parser = _Parser(today, towns)
    dossier = parser.dossier(obj)
    return dossier, parser.problems
