"""Cells a spreadsheet would run as formulas are written as text (OWASP, CSV injection)."""

import csv
import io

import pytest
from openpyxl import load_workbook

from csi_shared.exports import csv_text, safe_cell, xlsx_bytes


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", '=HYPERLINK("x")'])
def test_formula_triggers_are_written_as_text(text: str) -> None:
    assert safe_cell(text) == "'" + text
    (row,) = list(csv.reader(io.StringIO(csv_text([], [[text]]))))
    assert row == ["'" + text]
    cell = load_workbook(io.BytesIO(xlsx_bytes("t", [], [[text]]))).active["A1"]
    assert cell.data_type == "s" and cell.value.replace("\n", "\r") == "'" + text  # XML reads CR back as LF


def test_numbers_and_plain_text_are_left_alone() -> None:
    assert [safe_cell(v) for v in (-5, 3.5, None, True, "Dealer D001", "王芳", "")] == [
        -5, 3.5, None, True, "Dealer D001", "王芳", ""
    ]  # fmt: skip


def test_every_file_the_services_write_goes_through_the_safe_writers() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    writers = [
        str(path.relative_to(root))
        for path in [*root.glob("services/*/*/**/*.py"), *root.glob("shared/csi_shared/**/*.py")]
        if "/tests/" not in str(path) and path.name != "exports.py"
        for text in [path.read_text(encoding="utf-8")]
        if "csv.writer" in text or "csv.DictWriter" in text or "openpyxl" in text
    ]
    assert writers == [], "write CSV and XLSX with csi_shared.exports"
