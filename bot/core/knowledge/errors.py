"""The one error type every knowledge/ problem raises, naming where it is."""

from os import PathLike
from typing import Optional, Union


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent.

    The message always names the file, and where known the topic and field,
    so staff editing YAML can find the mistake without reading Python.
    """

    def __init__(
        self,
        file: Union[str, "PathLike[str]"],
        message: str,
        topic: Optional[str] = None,
        field: Optional[str] = None,
    ) -> None:
        self.file = str(file)
        self.topic = topic
        self.field = field
        self.detail = message
        where = [f"file {self.file}"]
        if topic:
            where.append(f"topic '{topic}'")
        if field:
            where.append(f"field '{field}'")
        super().__init__(f"knowledge error in {', '.join(where)}: {message}")
