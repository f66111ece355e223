"""CSV files the project writes: every cell is neutralised against formula
injection (OWASP "CSV Injection"). A spreadsheet opening the file treats a
cell that starts with =, +, -, @, a tab or a carriage return as a formula,
and editor or learner text (a quiz title, a question stem, a page title)
could otherwise run one on the reader's machine. Such a cell gets a leading
apostrophe, which spreadsheets show as text and do not display."""

import csv

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that no spreadsheet reads as a formula. Numbers stay numbers
    (a negative number is not a formula, and ``str(-1)`` keeps its sign)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """``csv.writer`` whose every cell goes through ``safe_cell``."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs):
    return SafeWriter(stream, **kwargs)


def neutralise_wagtail_csv_exports():
    """Wagtail's own CSV exports (its reports and listings) write cells as
    they are; route every cell through ``safe_cell`` (headings are field
    labels from the code, and XLSX cells Wagtail already keeps as text)."""
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    if getattr(SpreadsheetExportMixin, "_cells_neutralised", False):
        return
    original = SpreadsheetExportMixin.preprocess_field_value

    def preprocess_field_value(self, field, value, export_format):
        value = original(self, field, value, export_format)
        return safe_cell(value) if export_format == self.FORMAT_CSV else value

    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
    SpreadsheetExportMixin._cells_neutralised = True
