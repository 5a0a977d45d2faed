"""Errors found in dossier files, located so that a clerk can find and fix them.

Every problem of an imported file (JSON Lines or Excel) becomes one :class:`DossierError` that
says *where* (sheet or file, row or line, column letter or JSON path), *what* (field and its
Chinese label, the value found) and *how to fix it* (a Chinese message). ``code`` is a stable
machine code (see :data:`ERROR_CODES`) for programs and tests; the message text may be reworded.

The message templates live next to the code that fills them in
(:mod:`lingjun.dossier.validate`, :mod:`lingjun.dossier.jsonl`, :mod:`lingjun.dossier.excel`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Literal

#: every ``DossierError.code`` this package produces, with what it means
ERROR_CODES: dict[str, str] = {
    "required": "必填项为空",
    "type": "类型或格式不对（文本、数字、日期、是/否、列表、对象）",
    "enum": "不在允许的取值之内",
    "uscc_length": "统一社会信用代码位数不对",
    "uscc_charset": "统一社会信用代码含非法字符",
    "uscc_check": "统一社会信用代码校验位错误",
    "future_date": "日期或年度晚于今天",
    "year_range": "年度不是合理的公历年份",
    "negative": "金额、人数等不能为负数",
    "too_large": "数值超出系统可处理的范围",
    "control_char": "文本含不可见的控制字符",
    "invisible_char": "文本含不可见的格式字符（双向控制符、零宽字符）",
    "too_long": "文本超过该字段的最大长度",
    "formula": "Excel单元格是公式（导入只接受数值和文字）",
    "file_too_large": "文件超过导入的大小上限",
    "unzipped_too_large": "Excel文件解压后超过上限（压缩炸弹）",
    "too_many_rows": "行数超过导入上限",
    "too_many_cells": "单元格数超过导入上限",
    "line_too_long": "JSON Lines的一行超过上限",
    "xml_entities": "Excel文件含文档类型或实体定义（XML实体扩展）",
    "tech_staff_exceeds_employees": "科技人员数大于职工总数",
    "duplicate_year": "同一年度重复填写",
    "expiry_before_grant": "失效/到期日期早于授权/发证日期",
    "unknown_field": "不认识的字段（JSON键或Excel列）",
    "unknown_town": "不是本区的镇街",
    "duplicate_uscc": "同一文件中统一社会信用代码重复",
    "unknown_uscc": "列表行的统一社会信用代码不在“企业基本信息”中",
    "missing_column": "Excel工作表缺少必填列",
    "duplicate_column": "Excel工作表的同一字段名出现两次",
    "missing_sheet": "Excel工作簿缺少“企业基本信息”工作表",
    "not_workbook": "文件不是可以打开的Excel工作簿（.xlsx）",
    "json": "不是有效的JSON",
    "duplicate_key": "JSON对象中同一键出现两次",
    "encoding": "不是UTF-8编码",
}

_MAX_SHOWN = 60
#: values longer than this are cut where an error keeps them (a refused 300 MB name is neither
#: kept in the stored error list nor shown whole)
MAX_PROBLEM_VALUE = 200


class LongText(str):
    """The start of a text too long to keep whole (a reader cut it); ``length`` is its full length.

    Validation refuses it as too long with the full length, wherever it is.
    """

    length: int

    def __new__(cls, text: str, length: int) -> LongText:
        obj = super().__new__(cls, text[:MAX_PROBLEM_VALUE])
        obj.length = length
        return obj


def keep_value(value: object) -> object:
    """A refused value as a problem keeps it: a long text as a :class:`LongText` (its start)."""
    if isinstance(value, str) and not isinstance(value, LongText) and len(value) > MAX_PROBLEM_VALUE:
        return LongText(value, len(value))
    return value


def shorten_value(value: object) -> object:
    """A refused value as an error keeps it: text cut to :data:`MAX_PROBLEM_VALUE` characters."""
    if isinstance(value, LongText):
        return str(value) + f"…（共{value.length}个字符）"
    if isinstance(value, str) and len(value) > MAX_PROBLEM_VALUE:
        return value[:MAX_PROBLEM_VALUE] + f"…（共{len(value)}个字符）"
    return value


def display_value(value: object) -> str:
    """A value as a clerk would recognise it (plain numbers, ISO dates, 是/否), shortened."""
    if isinstance(value, bool):
        text = "是" if value else "否"
    elif isinstance(value, Decimal):
        text = format(value, "f") if value.is_finite() else str(value)
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    elif isinstance(value, list | tuple | dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    text = text.replace("\r", " ").replace("\n", " ")
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 1] + "…"


@dataclass(frozen=True)
class DossierError:
    """One problem of an imported file, located for the clerk.

    * ``sheet`` – Excel sheet name, or for JSON Lines the file name;
    * ``row`` – Excel row number as Excel shows it, or the JSON Lines line number (1-based);
      ``None`` for problems of a whole sheet or file;
    * ``column`` – Excel column letter (``"C"``), or for JSON Lines the JSON path
      (``annual[2].operating_revenue``, list indexes 0-based); ``""`` if none applies;
    * ``field`` / ``label`` – the field name and its Chinese label (``""`` if none applies);
    * ``value`` – the value found (``None`` when it is missing);
    * ``message`` – Chinese: what is expected and how to fix it;
    * ``code`` – stable machine code, one of :data:`ERROR_CODES`;
    * ``source`` – how :meth:`location` words the place: ``"excel"`` (a sheet of a workbook),
      ``"jsonl"`` (a line of a JSON Lines file) or ``"file"`` (a whole file that could not be
      read; ``sheet`` holds the file name).
    """

    sheet: str
    row: int | None
    column: str
    field: str
    label: str
    value: object
    message: str
    code: str
    source: Literal["excel", "jsonl", "file"] = "excel"

    def location(self) -> str:
        """``工作表“年度数据”第12行C列`` / ``文件“a.jsonl”第3行 annual[0].year``."""
        if self.source == "excel":
            text = f"工作表“{self.sheet}”"
            if self.row is not None:
                text += f"第{self.row}行"
            if self.column:
                text += f"{self.column}列"
            return text
        text = f"文件“{self.sheet}”" if self.sheet else "文件"
        if self.row is not None:
            text += f"第{self.row}行"
        if self.column:
            text += f" {self.column}"
        return text

    def __str__(self) -> str:
        text = self.location()
        what = self.label or self.field
        if what:
            text += f"（{what}）"
        text += "："
        if self.value is not None and self.value != "":
            text += f"“{display_value(self.value)}”——"
        return text + self.message

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for the web UI and API); ``text`` is :meth:`__str__`."""
        value = shorten_value(self.value)
        if value is not None and not isinstance(value, bool | int | str):
            value = display_value(value)
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "field": self.field,
            "label": self.label,
            "value": value,
            "message": self.message,
            "code": self.code,
            "source": self.source,
            "text": str(self),
        }


#: summary line of :class:`DossierFileRefused`
MSG_FILE_REFUSED = "文件中有{count}处错误，未导入任何数据。请逐条改正后重新上传。"
_SHOWN_IN_SUMMARY = 20


class DossierFileRefused(Exception):
    """A dossier file was refused; ``errors`` lists every problem found."""

    def __init__(self, errors: list[DossierError]) -> None:
        self.errors = list(errors)
        lines = [MSG_FILE_REFUSED.format(count=len(self.errors))]
        lines += [str(e) for e in self.errors[:_SHOWN_IN_SUMMARY]]
        if len(self.errors) > _SHOWN_IN_SUMMARY:
            lines.append(f"……另有{len(self.errors) - _SHOWN_IN_SUMMARY}处错误未列出。")
        super().__init__("\n".join(lines))


@dataclass
class ParseResult:
    """What a reader found in a file.

    ``dossiers`` are the normalised dossiers *without* any error, in file order; a dossier with
    an error (or whose USCC occurs twice in the file) is left out and its errors are in
    ``errors``. When the file's structure is broken (missing sheet or column, unreadable
    file) ``dossiers`` is empty. ``ok`` is true when nothing at all was wrong.
    """

    dossiers: list[dict[str, Any]] = field(default_factory=list)
    errors: list[DossierError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise :class:`DossierFileRefused` if there is any error (all-or-nothing imports)."""
        if self.errors:
            raise DossierFileRefused(self.errors)
