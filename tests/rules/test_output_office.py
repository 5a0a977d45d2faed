"""The evaluation workbook (``lingjun evaluate --format xlsx``) opens in LibreOffice Calc."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from tests.office import sheets_as_read
from tests.rules.test_api import AS_OF, CHUYING, YEAR, firm

from lingjun.rules import evaluate_dossiers
from lingjun.rules.output import DETAIL_HEADERS, RESULT_LABELS, SUMMARY_HEADERS, write
from lingjun.rules.spec import RunSpec


def test_the_evaluation_workbook_opens_in_libreoffice_with_its_results(tmp_path: Path) -> None:
    dossiers = [firm("91120114MA05W1RA6A", "15"), firm("91120114MA05W1RB4B", "5")]
    dossiers[1]["registered_on"] = date(2010, 5, 1)
    dossiers[1]["annual"][0]["rd_expense"] = Decimal("1.5")
    ev = evaluate_dossiers(
        dossiers, spec=RunSpec.of([CHUYING, "national.tech_sme.2017"], year=YEAR, as_of=AS_OF)
    )
    path = tmp_path / "评价结果.xlsx"
    write(ev, "xlsx", path)
    sheets = sheets_as_read(path, tmp_path / "seen")
    assert set(sheets) == {"汇总", "条件明细"}
    summary, detail = sheets["汇总"], sheets["条件明细"]
    assert summary[0] == [h for _, h in SUMMARY_HEADERS]
    assert detail[0] == [h for _, h in DETAIL_HEADERS]
    by_firm = {(r[0], r[1]): dict(zip((k for k, _ in SUMMARY_HEADERS), r, strict=True)) for r in summary[1:]}
    records = {(r["uscc"], r["policy"]): r for r in ev.to_records()}
    assert set(by_firm) == set(records)
    for key, rec in records.items():
        assert by_firm[key]["result"] == RESULT_LABELS[rec["result"]]
    assert {by_firm[(d["uscc"], CHUYING)]["result"] for d in dossiers} == {"通过", "不通过"}
    assert len(detail) - 1 == sum(len(r["criteria"]) for r in records.values())
