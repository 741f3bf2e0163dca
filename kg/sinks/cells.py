"""Cells of the CSV exports, safe to open in a spreadsheet (OWASP "CSV injection")."""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Google Sheets may run as a formula
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def spreadsheet_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would take for a formula (``=HYPERLINK(...)``, ``+1+cmd|...``, ``@SUM``)
    gets a leading apostrophe, as OWASP advises, so it is shown as text; numbers and other cells are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
