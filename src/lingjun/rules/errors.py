"""规则库的错误：每个错误带机器代码（code）和中文说明（message）。

Message templates are module-level constants so that tests can assert on them; every loader error
names the file, the line and the key, and says how to fix it.
"""

from __future__ import annotations

from typing import Any

# --- policy files (loader) -------------------------------------------------------------------
YAML_SYNTAX = "{file}:{line}: YAML 语法错误：{detail}（YAML syntax error）"
DUPLICATE_KEY = "{file}:{line}: 键“{key}”重复，请删除其中一个（duplicate key）"
UNKNOWN_KEY = "{file}:{line}: 未知的键“{key}”（unknown key）；允许的键：{allowed}"
MISSING_KEY = "{file}:{line}: {where} 缺少必填键“{key}”（missing key）"
BAD_DATE = "{file}:{line}: 键“{key}”的日期“{value}”无效，应为 YYYY-MM-DD（bad date）"
BAD_TYPE = "{file}:{line}: 键“{key}”应为{expected}，实际为“{value}”（bad type）"
BAD_VALUE = "{file}:{line}: 键“{key}”的取值“{value}”无效：{detail}（bad value）"
DUPLICATE_ID = "{file}:{line}: 标识“{key}”重复定义（duplicate id）"
PROVISIONAL_WITHOUT_REASON = "{file}:{line}: “{key}”标为未核实（verified: false），须用 provisional_reason 写明原因（provisional without reason）"
BAD_SCALE = "{file}:{line}: 分档表“{key}”无效：{detail}（bad scale）"
BAD_LABEL = "{file}:{line}: 键“{key}”中的占位符“{placeholder}”无效：{detail}（bad label placeholder）"

# --- expressions (vocabulary) ----------------------------------------------------------------
EXPR_SYNTAX = "{file}:{line}: 键“{key}”的表达式语法错误：{detail}（expression syntax error）"
UNSUPPORTED_SYNTAX = "{file}:{line}: 键“{key}”使用了不支持的写法“{node}”（unsupported syntax）；只支持比较、四则运算、and/or/not 和白名单函数"
UNKNOWN_FUNCTION = "{file}:{line}: 键“{key}”中的函数“{name}”不存在（unknown function）；可用函数：{allowed}"
UNKNOWN_FIELD = "{file}:{line}: 键“{key}”中的字段“{name}”不存在（unknown field）；可用字段：{allowed}"
UNKNOWN_REFERENCE = (
    "{file}:{line}: 键“{key}”引用的{kind}“{name}”未定义（unknown reference）；已定义：{allowed}"
)
BAD_ARGUMENT = "{file}:{line}: 键“{key}”中函数“{name}”的参数有误：{detail}（bad argument）"
TYPE_MISMATCH = "{file}:{line}: 键“{key}”类型不符：{detail}（type error）"

# --- library, scenarios, evaluation ----------------------------------------------------------
UNKNOWN_POLICY = "政策“{policy}”不存在（unknown policy）；已有：{allowed}"
NO_POLICY_IN_FORCE = "{on} 没有有效的“{family}”政策（no policy in force）；已有：{allowed}"
PARAM_NO_VALUE = (
    "参数“{param}”在 {on} 尚无取值（最早取值日期 {first}）（parameter has no value on that date）"
)
UNKNOWN_OVERRIDE = "情景参数“{name}”不存在（unknown parameter）；可用参数：{allowed}"
BAD_OVERRIDE = "情景参数“{name}”的取值“{value}”无效：{detail}（bad override value）"
UNKNOWN_INPUT = "政策输入“{name}”不存在（unknown input）；可用输入：{allowed}"
BAD_INPUT = "政策输入“{name}”的取值“{value}”无效：{detail}（bad input value）"
#: what a policy input accepts (the detail of :data:`BAD_INPUT`)
INPUT_FORMS = "是/否输入应为 true、false（或布尔值），数值输入应为数字"
MISSING_TABLE = "缺少输入表“{table}”（missing table）；需要：{allowed}"
MISSING_COLUMN = "输入表“{table}”缺少列“{column}”（missing column）"
BAD_YEARS = "“{name}”的年数“{value}”无效：应为不小于0的整数年（bad number of years）"
UNKNOWN_ENGINE = "计算引擎“{engine}”不支持（unknown engine）；可用：{allowed}"
ENGINE_UNAVAILABLE = "计算引擎“{engine}”不可用：{detail}（engine unavailable）"
UNKNOWN_FORMAT = "输出格式“{fmt}”不支持（unknown format）；可用：{allowed}"

#: machine code → template (the codes are the stable API; templates may be reworded)
TEMPLATES: dict[str, str] = {
    "yaml_syntax": YAML_SYNTAX,
    "duplicate_key": DUPLICATE_KEY,
    "unknown_key": UNKNOWN_KEY,
    "missing_key": MISSING_KEY,
    "bad_date": BAD_DATE,
    "bad_type": BAD_TYPE,
    "bad_value": BAD_VALUE,
    "duplicate_id": DUPLICATE_ID,
    "provisional_without_reason": PROVISIONAL_WITHOUT_REASON,
    "bad_scale": BAD_SCALE,
    "bad_label": BAD_LABEL,
    "expr_syntax": EXPR_SYNTAX,
    "unsupported_syntax": UNSUPPORTED_SYNTAX,
    "unknown_function": UNKNOWN_FUNCTION,
    "unknown_field": UNKNOWN_FIELD,
    "unknown_reference": UNKNOWN_REFERENCE,
    "bad_argument": BAD_ARGUMENT,
    "type_mismatch": TYPE_MISMATCH,
    "unknown_policy": UNKNOWN_POLICY,
    "no_policy_in_force": NO_POLICY_IN_FORCE,
    "param_no_value": PARAM_NO_VALUE,
    "unknown_override": UNKNOWN_OVERRIDE,
    "bad_override": BAD_OVERRIDE,
    "unknown_input": UNKNOWN_INPUT,
    "bad_input": BAD_INPUT,
    "missing_table": MISSING_TABLE,
    "missing_column": MISSING_COLUMN,
    "bad_years": BAD_YEARS,
    "unknown_engine": UNKNOWN_ENGINE,
    "engine_unavailable": ENGINE_UNAVAILABLE,
    "unknown_format": UNKNOWN_FORMAT,
}


class RulesError(Exception):
    """An error of the rules library: ``code`` is stable, ``message`` is for people (中文)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        self.message = TEMPLATES[code].format(**params)
        super().__init__(self.message)


class PolicyError(RulesError):
    """A policy file is invalid (raised at load time, never during an evaluation)."""


def names(values: object) -> str:
    """A sorted, comma-separated list for messages."""
    return "、".join(sorted(str(v) for v in values))  # type: ignore[attr-defined]
