"""Reading what a service logged: its loggers write JSON to stdout and do not propagate, so a test
attaches a handler of its own to the logger it cares about."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class Collected(logging.Handler):
    """Keeps the records logged while it is attached."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def messages(self) -> list[str]:
        return [record.getMessage() for record in self.records]


@contextlib.contextmanager
def collected_logs(logger_name: str) -> Iterator[Collected]:
    """`with collected_logs("shopsmart.recovery") as logged:` → `logged.records` afterwards."""
    logger = logging.getLogger(logger_name)
    collected = Collected()
    logger.addHandler(collected)
    try:
        yield collected
    finally:
        logger.removeHandler(collected)
