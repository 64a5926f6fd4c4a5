"""Files for spreadsheets (CSV, XLSX): every file the platform writes goes through here, so that a cell a
spreadsheet would run as a formula (a dealer's name, a caller's id) is written as text (OWASP, CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet reads as the start of a formula (or, for tab and CR, lets one through after them)."""


def safe_cell(value: Any) -> Any:
    """A cell's value as data: text that starts like a formula gets a leading `'`; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def csv_text(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> str:
    """A CSV file of a header (none when empty) and rows, every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow([safe_cell(v) for v in header])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return out.getvalue()


BOM = "\ufeff"


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV download: UTF-8 with a byte-order mark, without which Excel on a zh-CN Windows reads the file as GBK and
    shows Chinese names as mojibake (tools that read UTF-8 skip the mark)."""
    return (BOM + csv_text(header, rows)).encode()


def xlsx_bytes(title: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """An Excel workbook of one sheet, every cell made safe (openpyxl stores any text starting with `=` as a formula)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = title
    if header:
        sheet.append([safe_cell(v) for v in header])
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_rows(path: Any) -> list[list[Any]]:
    """The cells of a workbook's first sheet, row by row (values, not formulas): how DMS exports are read."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()
