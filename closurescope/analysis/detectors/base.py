"""The detector contract: a Closure (and the sizes already computed) in, findings out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from closurescope.analysis.result import NodeSizes
    from closurescope.config import Settings
    from closurescope.model import Closure, Finding, NodeId, Rule, RuleResult


class Detector(Protocol):
    """A detector owns some rules of the catalog and returns findings for them."""

    rules: Sequence[Rule]

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        """Pure: never mutates ``closure``, never prints. Disabled rules are skipped by the caller
        (their results are SKIP); a detector may return RuleResults for its threshold rules.

        ``shared`` holds analyses ``analyze()`` already ran for the report (``layers``: the
        LayerMetrics, ``etc``: the EtcSuggestion, ``merkle``: the DirIndex of the file tree), so
        a detector does not compute them again;
        called alone, a detector computes what it needs."""
        ...
