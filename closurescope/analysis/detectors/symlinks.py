"""CS201 symlink-loop and CS206 dangling-symlink, over the Closure's file tree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from closurescope.analysis.dupes import ignored
from closurescope.analysis.merkle import DirIndex, index_tree
from closurescope.analysis.result import NodeSizes
from closurescope.analysis.symlinks import SymlinkLoop, find_dangling, find_loops
from closurescope.config import Settings
from closurescope.model import (
    MAX_SYMLINK_HOPS,
    Closure,
    Finding,
    Fix,
    NodeId,
    Rule,
    RuleResult,
    Severity,
)

SYMLINK_LOOP = Rule(
    id="CS201",
    name="symlink-loop",
    summary="A symlink points to its own directory or an ancestor (or around a cycle of links).",
    help=(
        "A link such as tzdata's old `zoneinfo/posix -> .` makes the tree infinite for anything "
        "that follows links. A dereferencing copy (`rsync -ak`, which dockerTools.buildImage "
        "uses for `contents` unless keepContentsDirlinks = true; `rsync -aL`) writes the "
        "target again at every level until the kernel refuses a "
        f"path with more than {MAX_SYMLINK_HOPS} links (ELOOP): {MAX_SYMLINK_HOPS} nested "
        "copies. GNU `cp -rL` detects the cycle and copies nothing for the link. The estimate "
        "is the bytes such an rsync writes under the link; it is a risk, not bytes present now "
        "(CS202 reports a materialisation that already happened), so the saving is unknown."
    ),
    severity=Severity.WARNING,
    scope="files",
)

DANGLING_SYMLINK = Rule(
    id="CS206",
    name="dangling-symlink",
    summary="A symlink's target does not exist inside the image, or climbs above its root.",
    help=(
        "Links are resolved inside the image (absolute targets from the image root). A link "
        "to nothing is usually a leftover of a removed package or a store path that is not in "
        "the closure; a link that climbs above the root with `..` works in a container only "
        "because `/..` is `/`. Targets under /proc, /dev, /sys and /run are runtime mounts and "
        "are not reported."
    ),
    severity=Severity.INFO,
    scope="files",
)


class SymlinkDetector:
    """Symlink loops (with the dereferenced-copy estimate) and dangling links."""

    rules: Sequence[Rule] = (SYMLINK_LOOP, DANGLING_SYMLINK)

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        """Findings for every loop link and every dangling or escaping link."""
        del sizes
        tree = closure.files
        if tree is None:
            return (), ()
        globs = settings.ignore_paths
        findings: list[Finding] = []
        if settings.enabled(SYMLINK_LOOP.id):
            severity = settings.severity(SYMLINK_LOOP.id, SYMLINK_LOOP.severity)
            known = (shared or {}).get("merkle")
            index = known if isinstance(known, DirIndex) else index_tree(tree)
            for loop in find_loops(tree, index):
                if globs and ignored(loop.link, globs):
                    continue
                findings.append(_loop_finding(loop.link, loop, severity))
        if settings.enabled(DANGLING_SYMLINK.id):
            severity = settings.severity(DANGLING_SYMLINK.id, DANGLING_SYMLINK.severity)
            for link in find_dangling(tree):
                if globs and ignored(link.link, globs):
                    continue
                what = (
                    "climbs above the image root"
                    if link.status == "escapes"
                    else f"has no target ({link.missing or '/'} is missing)"
                    if link.status == "dangling"
                    else f"goes through a non-directory ({link.missing})"
                )
                findings.append(
                    Finding(
                        rule_id=DANGLING_SYMLINK.id,
                        severity=severity,
                        title=f"/{link.link} -> {link.target} {what}",
                        subjects=(link.link,),
                        saving=None,
                        evidence=(f"status: {link.status}",),
                        fix=Fix(
                            text="Remove the link, or add what it points to to the image.",
                            snippet=f"rm /{link.link}",
                            snippet_lang="shell",
                        ),
                    )
                )
        return findings, ()


def _loop_finding(path: str, loop: SymlinkLoop, severity: Severity) -> Finding:
    evidence: tuple[str, ...]
    if loop.kind == "eloop":
        title = f"/{path} -> {loop.target} never resolves (ELOOP)"
        evidence = (
            "cycle: " + " -> ".join(f"/{p}" for p in (*loop.cycle, loop.cycle[0])),
            "a dereferencing copy fails on it and writes nothing",
        )
    else:
        title = f"/{path} -> {loop.target} loops back to /{loop.resolved}"
        evidence = (
            "cycle: " + ", ".join(f"/{p}" for p in loop.cycle),
            f"a dereferencing copy (rsync -ak / -aL) writes {loop.materialised} bytes under "
            f"/{path}: {loop.levels} nested levels before ELOOP at {MAX_SYMLINK_HOPS} links",
            "GNU cp -rL refuses the cyclic link and writes nothing for it",
        )
    return Finding(
        rule_id=SYMLINK_LOOP.id,
        severity=severity,
        title=title,
        subjects=(path,),
        saving=None,
        evidence=evidence,
        fix=Fix(
            text=(
                "Replace the loop by real entries (tzdata now makes posix/ a directory of "
                "per-entry links), or make sure nothing copies the tree with -k/-L "
                "(dockerTools: keepContentsDirlinks = true)."
            ),
            snippet=f"rm /{path}",
            snippet_lang="shell",
        ),
    )


DETECTOR = SymlinkDetector()
