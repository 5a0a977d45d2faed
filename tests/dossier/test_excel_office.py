"""Excel files in ordinary office software: the template and exports open in LibreOffice Calc,
and a workbook a clerk saved there imports unchanged."""

from __future__ import annotations

from pathlib import Path

from tests.dossier.conftest import TODAY, TOWNS, rich_dossier
from tests.office import resaved, sheets_as_read

from lingjun.cellsafe import cell_text
from lingjun.dossier.excel import (
    LEGEND_SHEET,
    columns,
    header_label,
    read_workbook,
    write_template,
    write_workbook,
)
from lingjun.dossier.schema import ENTERPRISE, IP, SECTIONS, Section


def test_the_template_opens_in_libreoffice_with_every_sheet_and_header(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    write_template(path, towns=TOWNS)
    sheets = sheets_as_read(path, tmp_path / "seen")
    assert set(sheets) == {s.sheet for s in SECTIONS} | {LEGEND_SHEET}
    for section in SECTIONS:
        specs = columns(section)
        assert sheets[section.sheet][:2] == [
            [header_label(s) for s in specs],
            [s.name for s in specs],
        ]


def test_an_export_opens_in_libreoffice_with_its_values(tmp_path: Path) -> None:
    dossiers = [rich_dossier(n) for n in range(3)]
    path = tmp_path / "export.xlsx"
    write_workbook(dossiers, path, towns=TOWNS)
    sheets = sheets_as_read(path, tmp_path / "seen")

    def seen(section: Section) -> list[dict[str, str]]:
        names = [s.name for s in columns(section)]
        return [dict(zip(names, row, strict=True)) for row in sheets[section.sheet][2:]]

    firms = seen(ENTERPRISE)
    assert [r["uscc"] for r in firms] == [d["uscc"] for d in dossiers]
    assert [r["name"] for r in firms] == [d["name"] for d in dossiers]
    assert [r["registered_on"] for r in firms] == [d["registered_on"].isoformat() for d in dossiers]
    # texts with quotes, backslashes and a leading "=" stay texts (no formula is evaluated); the
    # "=" one is shown with the ' that neutralises it (lingjun.cellsafe)
    assert [r["title"] for r in seen(IP)] == [cell_text(ip["title"]) for d in dossiers for ip in d["ip"]]
    assert any(r["title"].startswith("'=") for r in seen(IP))


def test_a_workbook_saved_by_libreoffice_imports_unchanged(tmp_path: Path) -> None:
    dossiers = [rich_dossier(n) for n in range(3)]
    path = tmp_path / "export.xlsx"
    write_workbook(dossiers, path, towns=TOWNS)
    saved = resaved(path, tmp_path / "saved")
    assert saved.read_bytes() != path.read_bytes()  # LibreOffice wrote a file of its own
    result = read_workbook(saved, today=TODAY)
    assert result.errors == []
    assert result.dossiers == dossiers
