"""Rules, findings and rule results (pass / fail / skip)."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Severity(enum.IntEnum):
    """Ordered so that ``--fail-on`` can compare."""

    INFO = 10
    WARNING = 20
    ERROR = 30

    @classmethod
    def parse(cls, text: str) -> Severity:
        """``"warning"`` → Severity.WARNING (ValueError on anything else)."""
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.name.lower() for s in cls)
            raise ValueError(f"unknown severity {text!r} (one of {names})") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A rule of the catalog: stable id (``CS201``), name, one-line summary, longer help."""

    id: str
    name: str
    summary: str
    help: str
    severity: Severity
    budget: str | None = None
    """For threshold rules: the ``Budgets`` field it gates on (SKIP when that is not set)."""
    scope: str = "any"
    """What input the rule needs: ``any``, ``files`` (a file tree), ``image`` (layers) or
    ``config`` (an image config); on other inputs its verdict is SKIP."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Fix:
    """How to fix a finding: prose, and where it makes sense a snippet to paste."""

    text: str
    snippet: str | None = None
    snippet_lang: str | None = None
    """``nix``, ``dockerfile``, ``shell`` …"""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One problem found, with what fixing it would save.

    ``reclaims`` names what the fix removes (in-image file paths or component ids), so that
    the total saving of overlapping findings counts every byte once.
    """

    rule_id: str
    severity: Severity
    title: str
    subjects: tuple[str, ...]
    saving: int | None = None
    evidence: tuple[str, ...] = ()
    fix: Fix | None = None
    reclaims: frozenset[str] = frozenset()

    @property
    def sort_key(self) -> tuple[int, int, str, str]:
        """Largest saving first, then rule id, then subject: a stable report order."""
        return (-(self.saving or 0), -int(self.severity), self.rule_id, ",".join(self.subjects))


class Status(enum.Enum):
    """Outcome of one rule on one input."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleResult:
    """The verdict of one rule (for the PASS/FAIL/SKIP tally, JUnit and exit codes)."""

    rule_id: str
    status: Status
    severity: Severity
    message: str = ""
    value: str | None = None
    threshold: str | None = None
