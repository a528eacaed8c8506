"""CS5xx: the minimal ``/etc`` subset the image's programs need.

- CS501 etc-subset: the image ships ``/etc`` entries its programs do not use, and they keep
  packages in the closure; the finding gives the saving (computed on the graph, see
  ``analysis.etc``), the dropped components (``reclaims``) and the fix (a Nix ``runCommand``
  copying only the kept entries, the packages that provide them, a Dockerfile form).

No finding when no program is known (no Entrypoint/Cmd, no ``--app``) and no need is stated:
without programs every entry would look unused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from closurescope.analysis.etc import EtcSuggestion, suggest_etc
from closurescope.analysis.result import NodeSizes
from closurescope.config import Settings
from closurescope.model import Closure, Finding, Fix, NodeId, Rule, RuleResult, Severity
from closurescope.units import format_size

CS501 = Rule(
    id="CS501",
    name="etc-subset",
    summary="/etc holds entries the programs do not use, and they pull packages into the image",
    help=(
        "The image's programs (Entrypoint/Cmd or --app) and the libraries of their closure "
        "show which /etc files they read (services and protocols for name lookups, the CA "
        "bundle for TLS, passwd for users …). The other entries, often symlinks into "
        "packages (a NixOS system.build.etc), keep those packages in the closure. Copy only "
        "the needed entries."
    ),
    severity=Severity.WARNING,
    scope="files",
)


def etc_finding(s: EtcSuggestion, severity: Severity) -> Finding | None:
    """The CS501 finding for a suggestion, or None when there is nothing to save."""
    if not s.applicable or not s.saving or s.saving <= 0 or (not s.programs and not s.needs):
        return None
    keep = ", ".join(e.name for e in s.keep) or "nothing"
    evidence = [f"keep {e.name}: {'; '.join(e.reasons)}" for e in s.keep]
    evidence += [
        f"drop {e.name}: {format_size(e.drag_bytes)}"
        + (f" ({', '.join(d.rsplit('/', 1)[-1] for d in e.drags)})" if e.drags else "")
        for e in s.drop
        if e.drag_bytes
    ]
    evidence += [f"{e.name}: {e.reasons[0]}" for e in s.runtime]
    snippet = s.snippets.get("nix") if s.etc_store_paths else s.snippets.get("dockerfile")
    extra = s.snippets.get("nix-packages")
    if snippet and extra and s.etc_store_paths:
        snippet = f"{snippet}\n\n{extra}"
    lang = "nix" if s.etc_store_paths else "dockerfile"
    sizes = ", ".join(
        f"{p.attr} {format_size(p.closure_size)}" for p in s.providers if p.closure_size
    )
    text = (
        f"Keep only {keep} in /etc; hosts and resolv.conf come from the container runtime. "
        + (f"Packages providing them directly: {sizes}. " if sizes else "")
        + f"This drops {len(s.removed)} components from the closure."
    )
    return Finding(
        rule_id=CS501.id,
        severity=severity,
        title=f"/etc drags {format_size(s.saving)} into the image; the programs need {keep}",
        subjects=tuple(e.path for e in s.drop),
        saving=s.saving,
        evidence=tuple(evidence),
        fix=Fix(text=text, snippet=snippet, snippet_lang=lang),
        reclaims=frozenset(s.removed),
    )


class EtcRules:
    """The CS5xx detector."""

    rules: Sequence[Rule] = (CS501,)

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        if closure.files is None or closure.files.get("etc") is None:
            return (), ()
        known = (shared or {}).get("etc")
        suggestion = (
            known if isinstance(known, EtcSuggestion) else suggest_etc(closure, sizes, settings)
        )
        found = etc_finding(suggestion, settings.severity(CS501.id, CS501.severity))
        return ((found,) if found else ()), ()


DETECTOR = EtcRules()
