"""The CSV of a review view, for the content review meeting: the rows the page lists, with
the same masking. A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR at
its start) is prefixed with a quote, so a family's text cannot become a formula."""

import csv
import io
from typing import Dict, Iterable, List, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

ESCALATION_COLUMNS = ["time", "level", "channel", "language", "conversation", "reading", "reason"]
QUESTION_COLUMNS = ["time", "theme", "kind", "status_label", "channel", "language", "conversation", "text"]
HEADERS = {"status_label": "status"}


def _cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def to_csv(rows: Iterable[Dict[str, str]], columns: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([HEADERS.get(c, c) for c in columns])
    for row in rows:
        writer.writerow([_cell(str(row.get(c, ""))) for c in columns])
    # The byte order mark makes spreadsheet programs read the accents of Spanish text right.
    return "\ufeff".encode("utf-8") + out.getvalue().encode("utf-8")


def question_rows(groups) -> List[Dict[str, str]]:
    return [q for g in groups for q in g.questions]
