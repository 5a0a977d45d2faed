"""Criterion labels render their thresholds from the parameters (``{param.NAME}``), so a what-if
shows its own threshold in every label: records, explanations, exports."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from lingjun.rules import PolicyError, evaluate_dossiers, evaluate_reference, load_library, write
from lingjun.rules.errors import BAD_LABEL, UNKNOWN_REFERENCE
from lingjun.rules.expr import params_used
from lingjun.rules.loader import LABEL_HELP, load_policy_text, parse_override
from lingjun.rules.policy import param_text
from lingjun.rules.spec import RunSpec

YEAR, AS_OF = 2024, date(2024, 6, 30)
CHUYING = "tianjin.chuying.2021"
HNTE = "national.hnte.2016"


def firm(uscc: str, revenue: str | None) -> dict[str, Any]:
    return {
        "uscc": uscc,
        "name": uscc,
        "registered_on": date(2019, 5, 1),
        "province": "天津市",
        "credit": {"abnormal_operation": False, "serious_dishonesty": False},
        "annual": [{"year": 2023, "operating_revenue": None if revenue is None else Decimal(revenue)}],
        "ip": [{"kind": "invention_patent", "valid": True}],
    }


def crit(records: list[dict[str, Any]], uscc: str, cid: str, policy: str = CHUYING) -> dict[str, Any]:
    rec = next(r for r in records if r["uscc"] == uscc and r["policy"] == policy)
    return next(c for c in rec["criteria"] if c["id"] == cid)


def test_without_a_what_if_the_labels_read_as_the_documents_do() -> None:
    lib = load_library()
    chuying = lib.get(CHUYING)
    assert chuying.criterion("revenue").label == "上年度营业收入不低于10万元"
    assert chuying.criterion("revenue").label_template == "上年度营业收入不低于{param.revenue_min}"
    assert chuying.criterion("age").label == "注册成立不超过8年（截至上年12月31日）"
    assert (
        lib.get("tianjin.dengling.2021").criterion("rd_intensity").label
        == "近四年平均研发投入强度高于2.5%（暂定）"
    )
    assert lib.get(HNTE).criterion("tech_staff").label == "科技人员占当年职工总数的比例不低于10%"
    assert lib.get(HNTE).criterion("rd_intensity").label == (
        "近三年研发费用占同期销售收入比例符合要求（按上年销售收入（万元）分档：≤5000：5%；≤20000：4%；其余：3%）"
    )
    assert lib.get("national.tech_sme.2017").criterion("size_employees").label == "职工总数不超过500人"


def test_no_label_of_the_library_spells_a_threshold_its_parameters_hold() -> None:
    """A label's number that is also a parameter's value is written as a placeholder."""
    for policy in load_library().policies.values():
        for c in policy.criteria:
            placeholders = {n for n, _k, _u in c.label_params}
            for name in params_used(c.test) - placeholders:
                p = policy.parameters[name]
                if p.kind == "scale" or not p.unit:
                    continue
                shown = param_text(p.kind, p.unit, p.values[-1][1])
                assert shown not in c.label_template, f"{policy.id}.{c.id}: {shown} in “{c.label_template}”"


@pytest.mark.parametrize("evaluator", [evaluate_dossiers, evaluate_reference])
def test_a_what_if_shows_its_threshold_in_the_label_and_the_explanation(evaluator: Any) -> None:
    firms = [firm("A1", "15"), firm("B2", None)]
    spec = RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": "20"})
    records = evaluator(firms, spec=spec).to_records()
    failed, unknown = crit(records, "A1", "revenue"), crit(records, "B2", "revenue")
    assert failed["label"] == unknown["label"] == "上年度营业收入不低于20万元"
    assert failed["result"] == "fail" and failed["threshold"] == 20
    assert unknown["explanation"].startswith(
        "需补充：营业收入（2023年），方可判断“上年度营业收入不低于20万元”"
    )
    # other policies and runs keep theirs
    plain = evaluator(firms, spec=RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF)).to_records()
    assert crit(plain, "A1", "revenue")["label"] == "上年度营业收入不低于10万元"


def test_a_what_if_label_reaches_the_export() -> None:
    spec = RunSpec.of([CHUYING], year=YEAR, as_of=AS_OF, overrides={f"{CHUYING}.revenue_min": "20.5"})
    ev = evaluate_dossiers([firm("A1", "15")], spec=spec)
    out = io.BytesIO()
    write(ev, "csv", out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    labels = {r["条件编号"]: r["条件"] for r in rows}
    assert labels["revenue"] == "上年度营业收入不低于20.5万元"


def test_a_what_if_on_a_scale_or_a_ratio_renders_it() -> None:
    overrides = {
        f"{HNTE}.rd_intensity_min": "[{max: 3000, value: 0.06}, {value: 0.035}]",
        f"{HNTE}.tech_staff_ratio_min": "0.125",
    }
    spec = RunSpec.of([HNTE], year=YEAR, as_of=AS_OF, overrides=overrides)
    records = evaluate_dossiers([firm("A1", "15")], spec=spec).to_records()
    assert crit(records, "A1", "rd_intensity", HNTE)["label"] == (
        "近三年研发费用占同期销售收入比例符合要求（按上年销售收入（万元）分档：≤3000：6%；其余：3.5%）"
    )
    assert crit(records, "A1", "tech_staff", HNTE)["label"] == "科技人员占当年职工总数的比例不低于12.5%"


def test_param_text_formats() -> None:
    tech = load_library().get("national.tech_sme.2017")
    scale = tech.parameters["tech_staff_scale"]
    assert param_text("scale", "", scale.values[-1][1]).startswith("≥0.3：20分；≥0.25：16分")
    assert param_text("num", "%", Decimal("0.025")) == "2.5%"
    assert param_text("num", "万元", Decimal("20000")) == "20000万元"
    assert param_text("num", "年", Decimal("8.0")) == "8年"
    hnte = load_library().get(HNTE)
    growth = parse_override(
        hnte.parameters["growth_scale"],
        "[{above: 0, band: E, points: [1, 2]}, {band: F, points: [0, 0]}]",
        "x",
    )
    assert param_text("scale", "", growth) == ">0：1–2分；其余：0分"


POLICY = """policy:
  id: test.labels.2024
  family: test.labels
  label: 测试
  document: 测试〔2024〕1号
  title: 测试政策
  source: https://example.invalid/
  effective: {{from: 2024-01-01}}
  verified: true
parameters:
  revenue_min:
    label: 营业收入下限
    unit: 万元
    values: {{2024-01-01: 10}}
criteria:
  - id: a
    article: 第一条
    label: {label}
    test: operating_revenue[-1] >= param.revenue_min
"""


@pytest.mark.parametrize(
    ("label", "code", "message"),
    [
        (
            "营业收入不低于{param.revenue_max}",
            "unknown_reference",
            UNKNOWN_REFERENCE.format(
                file="t.yaml",
                line=18,
                key="criteria.a.label",
                kind="参数",
                name="revenue_max",
                allowed="revenue_min",
            ),
        ),
        (
            "营业收入不低于{input.revenue_min}",
            "bad_label",
            BAD_LABEL.format(
                file="t.yaml",
                line=18,
                key="criteria.a.label",
                placeholder="{input.revenue_min}",
                detail=LABEL_HELP,
            ),
        ),
        (
            "营业收入不低于{param.}",
            "bad_label",
            BAD_LABEL.format(
                file="t.yaml", line=18, key="criteria.a.label", placeholder="{param.}", detail=LABEL_HELP
            ),
        ),
        (
            "'营业收入不低于{param.revenue_min'",
            "bad_label",
            BAD_LABEL.format(
                file="t.yaml", line=18, key="criteria.a.label", placeholder="{", detail=LABEL_HELP
            ),
        ),
        (
            "'营业收入}不低于{param.revenue_min}'",
            "bad_label",
            BAD_LABEL.format(
                file="t.yaml", line=18, key="criteria.a.label", placeholder="}", detail=LABEL_HELP
            ),
        ),
    ],
)
def test_a_bad_placeholder_is_a_loader_error_with_file_and_line(label: str, code: str, message: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text(POLICY.format(label=label), "t.yaml")
    assert info.value.code == code
    assert info.value.message == message


def test_a_good_placeholder_loads() -> None:
    policy = load_policy_text(POLICY.format(label="营业收入不低于{param.revenue_min}"), "t.yaml")
    assert policy.criterion("a").label == "营业收入不低于10万元"
    assert policy.criterion("a").label_with({"revenue_min": Decimal(30)}) == "营业收入不低于30万元"
