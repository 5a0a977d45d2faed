"""The layout of dossier workbooks, shared by the writer and the reader.

Where things are (sheets, rows, columns), the words written into cells (是/否/无), the header
labels, the legend texts and the user-facing messages of both directions. The format itself
is described in :mod:`lingjun.dossier.excel`.
"""

from __future__ import annotations

from lingjun.dossier.schema import ENTERPRISE, FieldSpec, Section

LEGEND_SHEET = "说明"
HEADER_ROW = 1
FIELD_ROW = 2
FIRST_DATA_ROW = 3
DATE_FORMAT = "yyyy-mm-dd"
EXCEL_MAX_ROWS = 1_048_576
YES, NO = "是", "否"
NONE_WORD = "无"

MSG_NOT_WORKBOOK = "无法作为Excel工作簿打开。请上传用本系统模板填写的.xlsx文件（旧版.xls请先另存为.xlsx）。"
MSG_MISSING_SHEET = "缺少工作表“{sheet}”。请使用本系统提供的模板，不要删除或重命名工作表。"
MSG_MISSING_COLUMN = (
    "缺少必填列“{label}”：第2行应有字段名“{name}”。请使用本系统提供的模板，不要删除或修改前两行。"
)
MSG_DUPLICATE_COLUMN = "第2行的字段名“{name}”出现了两次（{first}列和{second}列），请删除其中一列。"
MSG_UNKNOWN_COLUMN = (
    "第2行的字段名“{name}”无法识别，这个工作表允许的字段名为：{allowed}。"
    "请使用模板中的字段名，不用的列请整列删除。"
)
MSG_UNKNOWN_USCC = (
    "该统一社会信用代码不在“{sheet}”工作表中。请在“{sheet}”中填写该企业（或改正那里填错的代码），"
    "或改正这里的代码。"
)
MSG_USCC_AS_NUMBER = (
    "统一社会信用代码被Excel当作数字保存，可能已丢失末尾几位。请把该列设置为“文本”格式后重新输入完整代码。"
)
MSG_FORMULA = "单元格是公式，导入只接受数值和文字：请复制该列，用“选择性粘贴 → 数值”粘贴回原处后重新上传。"
MSG_DROPDOWN_ERROR = "请从下拉列表中选择。"

#: legend sheet: general notes at the top
LEGEND_NOTES = (
    "企业档案导入模板说明",
    "1. 每个工作表的第1行为中文表头，第2行为字段名（系统按字段名识别列，请勿修改或删除前两行），数据从第3行开始填写。",
    "2. 表头为橙色、带“*”的列为必填列。列的先后顺序可以调整，不用的选填列可以整列删除。",
    "3. 除“企业基本信息”外，各工作表第一列均为统一社会信用代码，必须与“企业基本信息”中的代码一致。",
    "4. 金额单位为万元，可含小数；日期格式为YYYY-MM-DD；是否类填写“是”或“否”；"
    "选项类可从下拉列表选择，也可填写下表所列的英文代码。",
    "5. 不知道的数据请留空，不要填0：留空表示“未知”，0表示“确实为0”。",
)
LEGEND_HEADER = ("工作表", "中文名", "字段名", "类型", "单位", "必填", "允许值", "说明")

#: the ``uscc`` column that every list sheet starts with
USCC_FIELD = ENTERPRISE.field("uscc")


def columns(section: Section) -> tuple[FieldSpec, ...]:
    """The columns of a section's sheet: list sheets get ``uscc`` first."""
    return section.fields if section is ENTERPRISE else (USCC_FIELD, *section.fields)


def header_label(spec: FieldSpec) -> str:
    """``营业收入（万元）``; required columns get a leading ``*``."""
    text = f"{spec.label}（{spec.unit}）" if spec.unit else spec.label
    return f"*{text}" if spec.required else text
