"""The reporter contract: a finished ReportDocument in, text out (no I/O, no printing)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from closurescope.report.document import Document


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderOptions:
    """What a reporter may be told: how many rows, whether colour is allowed."""

    top: int = 15
    color: bool = False


class Reporter(Protocol):
    """One output format, listed in ``report.REPORTERS``."""

    name: str
    """``--format`` value."""
    description: str

    def render(self, doc: Document, options: RenderOptions) -> str:
        """The whole output as text (ends with a newline)."""
        ...
