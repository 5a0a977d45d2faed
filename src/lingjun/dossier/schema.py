"""The dossier schema: sections, fields, types, enums and Chinese labels.

This module is the single source of truth for the dossier format of
``../shared/data-dictionary.md``. Import/export (JSON Lines and Excel), validation, the Django
models and the rules engine's input tables are all derived from (or checked against) it.

Two shapes of the same data:

* **dossier** — one JSON object per enterprise, sections as nested lists (``annual``, ``ip`` …)
  and ``credit`` as a nested object;
* **tables** — one flat table per section keyed by ``uscc`` (the Excel sheets, the database tables
  and the rules engine's input). In table form ``credit`` is flattened into the ``enterprise``
  table (``abnormal_operation``, ``serious_dishonesty``) and the ``credit_events`` table
  (``kind``, ``year``) built from ``research_misconduct_years`` / ``major_accident_years``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldType = Literal["str", "date", "decimal", "int", "bool", "enum", "int_list"]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str  # Chinese label as the official documents write it


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str  # Chinese column header / form label
    type: FieldType
    required: bool = False
    choices: tuple[Choice, ...] = ()
    unit: str = ""  # 万元, 人, m² …
    nonnegative: bool = False
    not_future: bool = False  # dates: must not be after the day of import
    default: object = None
    help: str = ""
    max_length: int = 0  # text: the most characters allowed (every "str" field has one)

    @property
    def choice_values(self) -> tuple[str, ...]:
        return tuple(c.value for c in self.choices)

    def choice_label(self, value: str | None) -> str:
        for c in self.choices:
            if c.value == value:
                return c.label
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Section:
    key: str  # key in the dossier JSON ("enterprise" for the top-level object)
    table: str  # table name in table form
    sheet: str  # Excel sheet name
    label: str  # Chinese section title
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _c(*pairs: tuple[str, str]) -> tuple[Choice, ...]:
    return tuple(Choice(v, label) for v, label in pairs)


HIGHTECH_FIELDS = _c(
    ("电子信息", "电子信息"),
    ("生物与新医药", "生物与新医药"),
    ("航空航天", "航空航天"),
    ("新材料", "新材料"),
    ("高技术服务", "高技术服务"),
    ("新能源与节能", "新能源与节能"),
    ("资源与环境", "资源与环境"),
    ("先进制造与自动化", "先进制造与自动化"),
)

LISTING_STATUS = _c(
    ("none", "未上市"),
    ("neeq", "新三板"),
    ("main_board", "主板"),
    ("star", "科创板"),
    ("chinext", "创业板"),
    ("bse", "北交所"),
    ("overseas", "境外上市"),
)

IP_CLASS_I = (
    "invention_patent",
    "defense_patent",
    "plant_variety",
    "national_crop_variety",
    "national_new_drug",
    "tcm_protected_variety_1",
    "ic_layout_design",
)
IP_CLASS_II = ("utility_model", "design_patent", "software_copyright")

IP_KINDS = _c(
    ("invention_patent", "发明专利"),
    ("defense_patent", "国防专利"),
    ("plant_variety", "植物新品种"),
    ("national_crop_variety", "国家级农作物品种"),
    ("national_new_drug", "国家新药"),
    ("tcm_protected_variety_1", "国家一级中药保护品种"),
    ("ic_layout_design", "集成电路布图设计专有权"),
    ("utility_model", "实用新型专利"),
    ("design_patent", "外观设计专利"),
    ("software_copyright", "软件著作权"),
)

IP_ACQUIRED_BY = _c(("own", "自主研发"), ("transfer", "受让"), ("gift", "受赠"), ("merger", "并购"))

QUALIFICATION_KINDS = _c(
    ("hnte", "国家高新技术企业"),
    ("tianjin_hnte", "天津市高新技术企业"),
    ("tech_sme", "国家科技型中小企业"),
    ("software_enterprise", "软件企业证书"),
    ("software_product", "软件产品证书"),
    ("rd_institution", "研发机构"),
    ("chuying", "雏鹰企业"),
    ("dengling", "瞪羚企业"),
    ("lingjun_peiyu", "科技领军培育企业"),
    ("lingjun", "科技领军企业"),
)

QUALIFICATION_LEVELS = _c(("national", "国家级"), ("provincial", "省部级"), ("municipal", "市级"))
AWARD_KINDS = _c(("st_award", "科技奖励"), ("competition", "创新创业大赛"))
AWARD_LEVELS = _c(("national", "国家级"), ("provincial", "省部级"))
PRIZES = _c(
    ("special", "特等奖"),
    ("first", "一等奖"),
    ("second", "二等奖"),
    ("third", "三等奖"),
    ("excellence", "优秀奖"),
    ("finalist", "入围决赛"),
)
STANDARD_LEVELS = _c(
    ("international", "国际标准"),
    ("national", "国家标准"),
    ("industry", "行业标准"),
    ("local", "地方标准"),
    ("group", "团体标准"),
    ("enterprise", "企业标准"),
)
STANDARD_ROLES = _c(("lead", "主导制定"), ("participant", "参与制定"))
PROJECT_LEVELS = _c(("national", "国家级"), ("provincial", "省部级"))
FINANCING_KINDS = _c(("venture", "创业投资"), ("bank_loan", "银行贷款"))
PREMISES_KINDS = _c(("lease", "租赁"), ("purchase", "购置"))
CREDIT_EVENT_KINDS = _c(
    ("research_misconduct", "科研严重失信行为"),
    ("major_accident", "重大安全、质量事故或严重环境违法行为"),
)

F = FieldSpec

ENTERPRISE = Section(
    key="enterprise",
    table="enterprise",
    sheet="企业基本信息",
    label="企业基本信息",
    fields=(
        F("uscc", "统一社会信用代码", "str", required=True, max_length=18),
        F("name", "企业名称", "str", required=True, max_length=200),
        F("registered_on", "成立日期", "date", required=True, not_future=True),
        F("province", "注册省份", "str", max_length=50),
        F("city", "注册城市", "str", max_length=50),
        F("district", "注册区县", "str", max_length=50),
        F("town", "所属镇街", "str", max_length=64),
        F("park", "所属园区", "str", max_length=100),
        F("independent_legal_person", "独立法人", "bool", default=True),
        F("industry_code", "国民经济行业代码", "str", help="GB/T 4754-2017，如 C3562", max_length=10),
        F("hightech_field", "高新技术领域", "enum", choices=HIGHTECH_FIELDS),
        F("key_industry", "重点产业", "str", max_length=100),
        F("listing_status", "上市情况", "enum", choices=LISTING_STATUS),
        # credit, flattened (nested under "credit" in the dossier JSON)
        F("abnormal_operation", "列入经营异常名录", "bool"),
        F("serious_dishonesty", "列入严重违法失信名单", "bool"),
        F("research_misconduct_years", "科研严重失信年度", "int_list", help="多个年度用逗号分隔"),
        F("major_accident_years", "重大事故或严重环境违法年度", "int_list", help="多个年度用逗号分隔"),
    ),
)

#: enterprise fields that live under ``credit`` in the dossier JSON
CREDIT_FIELDS = (
    "abnormal_operation",
    "serious_dishonesty",
    "research_misconduct_years",
    "major_accident_years",
)


def money(name: str, label: str, help: str = "") -> FieldSpec:
    """A non-negative amount in 万元 (decimal, never float)."""
    return FieldSpec(name, label, "decimal", unit="万元", nonnegative=True, help=help)


ANNUAL = Section(
    key="annual",
    table="annual",
    sheet="年度数据",
    label="年度数据",
    fields=(
        F("year", "年度", "int", required=True),
        money("operating_revenue", "营业收入"),
        money("sales_revenue", "销售收入", help="为空时等于营业收入"),
        money("hightech_revenue", "高新技术产品(服务)收入"),
        money("total_assets", "资产总额", help="年末"),
        money("total_liabilities", "负债总额", help="年末"),
        money("total_cost_expense", "成本费用支出总额"),
        money("rd_expense", "研发费用"),
        money("rd_expense_domestic", "境内研发费用"),
        # net profit may be negative (a loss); tax paid may not
        F("net_profit", "净利润", "decimal", unit="万元"),
        money("tax_paid", "纳税总额"),
        F("employees", "职工总数", "decimal", unit="人", nonnegative=True, help="年平均人数，可含小数"),
        F("tech_staff", "科技人员数", "decimal", unit="人", nonnegative=True),
    ),
)

IP = Section(
    key="ip",
    table="ip",
    sheet="知识产权",
    label="知识产权",
    fields=(
        F("kind", "类别", "enum", required=True, choices=IP_KINDS),
        F("number", "编号", "str", max_length=100),
        F("title", "名称", "str", max_length=200),
        F("granted_on", "授权日期", "date", not_future=True),
        F("expires_on", "失效日期", "date", help="为空表示无期限"),
        F("valid", "有效", "bool"),
        F("core", "对主要产品起核心支持作用", "bool"),
        F("acquired_by", "获得方式", "enum", choices=IP_ACQUIRED_BY),
    ),
)

QUALIFICATIONS = Section(
    key="qualifications",
    table="qualifications",
    sheet="资质",
    label="资质",
    fields=(
        F("kind", "类别", "enum", required=True, choices=QUALIFICATION_KINDS),
        F("level", "级别", "enum", choices=QUALIFICATION_LEVELS),
        F("number", "证书编号", "str", max_length=100),
        F("issued_on", "发证日期", "date", not_future=True),
        F("expires_on", "有效期至", "date"),
    ),
)

AWARDS = Section(
    key="awards",
    table="awards",
    sheet="奖项",
    label="奖项",
    fields=(
        F("kind", "类别", "enum", required=True, choices=AWARD_KINDS),
        F("level", "级别", "enum", choices=AWARD_LEVELS),
        F("year", "年度", "int"),
        F("rank", "完成单位排名", "int", nonnegative=True),
        F("prize", "奖励等级", "enum", choices=PRIZES),
    ),
)

STANDARDS = Section(
    key="standards",
    table="standards",
    sheet="标准",
    label="标准",
    fields=(
        F("level", "标准级别", "enum", required=True, choices=STANDARD_LEVELS),
        F("role", "参与方式", "enum", choices=STANDARD_ROLES),
        F("year", "年度", "int"),
        F("code", "标准编号", "str", max_length=100),
    ),
)

PROJECTS = Section(
    key="projects",
    table="projects",
    sheet="项目",
    label="科技计划项目",
    fields=(
        F("level", "级别", "enum", required=True, choices=PROJECT_LEVELS),
        F("year", "立项年度", "int"),
        F("title", "项目名称", "str", max_length=200),
    ),
)

FINANCING = Section(
    key="financing",
    table="financing",
    sheet="融资",
    label="融资",
    fields=(
        F("kind", "类别", "enum", required=True, choices=FINANCING_KINDS),
        F("date", "日期", "date", not_future=True),
        money("amount", "金额"),
        F("counterparty", "投资方/贷款银行", "str", max_length=200),
        F("low_risk", "低风险业务", "bool", help="全额保证金、存单、银行承兑汇票、理财、保险、国债等质押"),
        money("daily_avg_balance_12m", "连续12个月日均贷款余额"),
    ),
)

CONVERSIONS = Section(
    key="conversions",
    table="conversions",
    sheet="成果转化",
    label="科技成果转化",
    fields=(
        F("year", "年度", "int", required=True),
        F("title", "成果名称", "str", max_length=200),
    ),
)

PREMISES = Section(
    key="premises",
    table="premises",
    sheet="场地",
    label="场地",
    fields=(
        F("kind", "类别", "enum", required=True, choices=PREMISES_KINDS),
        F("year", "年度", "int"),
        F("area_m2", "面积", "decimal", unit="m²", nonnegative=True),
        money("annual_rent", "年租金"),
    ),
)

#: the list sections of a dossier, in Excel sheet order (after 企业基本信息)
LIST_SECTIONS: tuple[Section, ...] = (
    ANNUAL,
    IP,
    QUALIFICATIONS,
    AWARDS,
    STANDARDS,
    PROJECTS,
    FINANCING,
    CONVERSIONS,
    PREMISES,
)
SECTIONS: tuple[Section, ...] = (ENTERPRISE, *LIST_SECTIONS)
SECTIONS_BY_KEY = {s.key: s for s in SECTIONS}
SECTIONS_BY_SHEET = {s.sheet: s for s in SECTIONS}

#: table form only: one row per credit event (derived from the enterprise's credit years)
CREDIT_EVENTS_TABLE = "credit_events"

#: all table names of the table form, in a stable order
TABLES: tuple[str, ...] = (*(s.table for s in SECTIONS), CREDIT_EVENTS_TABLE)
