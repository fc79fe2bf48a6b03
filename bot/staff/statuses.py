"""The review statuses of an unanswered question. A question with no status (NULL) is new."""

NEW = "new"
STATUSES = {
    NEW: "New",
    "answer_added": "Answer added",
    "out_of_scope": "Out of scope",
}


def stored(status: str) -> "str | None":
    """The column value for a status (NULL for new); KeyError for an unknown one."""
    STATUSES[status]
    return None if status == NEW else status


def shown(value: "str | None") -> str:
    return value if value in STATUSES else NEW
