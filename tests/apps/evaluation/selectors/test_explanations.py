"""The engine's records arranged for the explanation page."""

from __future__ import annotations

from lingjun.apps.evaluation.selectors.explanations import MissingField, policy_explanation


def test_a_record_is_arranged_with_units_thresholds_labels_and_reasons():
    record = {
        "uscc": "X",
        "policy": "tianjin.dengling.2021",
        "policy_label": "天津市瞪羚企业",
        "result": "fail",
        "verified": False,
        "metrics": {"rd_intensity_4y": 0.021, "revenue_cagr_3y": None},
        "criteria": [
            {
                "id": "rd_intensity",
                "label": "近四年平均研发投入强度高于2.5%（暂定）",
                "result": "fail",
                "value": 0.021,
                "threshold": 0.025,
                "op": ">",
                "unit": "%",
                "mandatory": True,
                "article": "条件三",
                "document": "津科规〔2021〕3号",
                "source": "https://i.tten.cn/",
                "verified": False,
                "explanation": "不通过：…",
                "gap": "近四年研发投入强度 2.1%，需高于 2.5%，差 0.4 个百分点以上",
                "missing": [],
            },
            {
                "id": "integrity",
                "label": "无失信",
                "result": "unknown",
                "value": None,
                "threshold": None,
                "op": None,
                "unit": None,
                "mandatory": True,
                "article": "条件二",
                "document": "津科规〔2021〕3号",
                "source": "",
                "verified": True,
                "explanation": "需补充：…",
                "gap": "",
                "missing": ["operating_revenue[2024]", "input.prohibited_sector"],
            },
        ],
        "missing": ["operating_revenue[2024]"],
    }
    view = policy_explanation(record)
    assert view.result_label == "不通过" and not view.verified and len(view.provisional) == 3
    rd, integrity = view.criteria
    assert (rd.value, rd.threshold) == ("2.1%", "> 2.5%")
    assert "暂用国家高新区瞪羚企业口径 2.5%" in rd.reason and rd.result_label == "不通过"
    assert (integrity.value, integrity.threshold) == ("—", "—")
    # an unknown input that this policy does not declare keeps the engine's label
    assert integrity.missing == [
        MissingField("营业收入（2024年）", ""),
        MissingField("政策输入 prohibited_sector", None),
    ]
    assert view.missing == [MissingField("营业收入（2024年）", "")]
    assert [(m.label, m.value) for m in view.metrics] == [
        ("近四年研发投入强度", "2.1%"),
        ("近三年营业收入复合增长率", "—"),
    ]
    assert view.gaps == [rd, integrity]
