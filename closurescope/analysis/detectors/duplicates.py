"""CS202 materialised-recursion, CS203 materialised-dirlink, CS205 duplicate-trees and
CS204 duplicate-files, from one Merkle index of the Closure's file tree.

Findings are layered so that each byte is explained once: recursion first, then dirlinks,
then duplicate trees (biggest first) whose redundant copies are not already reclaimed, then
duplicate-file groups over the files that would remain after those fixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from closurescope.analysis.dupe_trees import (
    duplicate_trees,
    materialised_dirlinks,
    materialised_recursions,
)
from closurescope.analysis.dupes import duplicate_files, ignored
from closurescope.analysis.merkle import DirIndex, index_tree
from closurescope.analysis.savings import total_saving
from closurescope.config import Settings
from closurescope.model import FileTree, Finding, Fix, Rule, RuleResult, Severity, Status

if TYPE_CHECKING:
    from closurescope.analysis.result import NodeSizes
    from closurescope.model import Closure, NodeId

MATERIALISED_RECURSION = Rule(
    id="CS202",
    name="materialised-recursion",
    summary="A directory contains copies of itself nested along one chain (posix/posix/…).",
    help=(
        "What a dereferencing copy of a symlink loop leaves behind: tzdata's old "
        "`zoneinfo/posix -> .` copied by `rsync -ak` (dockerTools' default) becomes "
        "zoneinfo/posix/posix/… 40 levels deep. Each level is compared with its parent by "
        "Merkle hash (names, kinds, modes, contents, link targets), leaving out the chain "
        "child itself. The saving is every byte below the first copy."
    ),
    severity=Severity.WARNING,
    scope="files",
)

MATERIALISED_DIRLINK = Rule(
    id="CS203",
    name="materialised-dirlink",
    summary="A directory is a byte-identical copy of a directory that symlinks point to.",
    help=(
        "A copy that followed a directory symlink (`rsync -k`, `cp -L`, nixpkgs #25148) wrote "
        "the linked directory's content again. Replacing the copy by a symlink to the original "
        "saves all its bytes."
    ),
    severity=Severity.WARNING,
    scope="files",
)

DUPLICATE_FILES = Rule(
    id="CS204",
    name="duplicate-files",
    summary="Identical file content stored at several paths.",
    help=(
        "Regular files with equal size and content hash, across layers and within one. "
        "Hardlinks share their content and are not duplicates; empty files are ignored. Files "
        "inside a duplicate tree (CS205) or a materialised copy (CS202, CS203) are reported "
        "there, not here. Reclaimable bytes: size × (copies − 1)."
    ),
    severity=Severity.INFO,
    scope="files",
)

DUPLICATE_TREES = Rule(
    id="CS205",
    name="duplicate-trees",
    summary="Whole directory trees stored twice or more.",
    help=(
        "Directories whose whole content (names, kinds, modes, file contents, link targets) "
        "is identical, decided biggest first (like `rmlint -D -j`): a copy inside a removed "
        "tree goes with it, a copy inside the kept tree still counts. Reclaimable bytes: "
        "size × (copies − 1)."
    ),
    severity=Severity.WARNING,
    scope="files",
)


class _Regions:
    """Reclaimed regions, checked by walking a path's ancestors (O(depth) per lookup).

    Answers per directory are remembered until the next ``add`` (files of one directory
    share every ancestor: 11,000 lookups on a copied rootfs touch 2,000 directories).
    """

    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._dirs: dict[str, bool] = {}

    def add(self, paths: Iterable[str]) -> None:
        self._paths.update(paths)
        self._dirs.clear()

    def covers(self, path: str) -> bool:
        if path in self._paths:
            return True
        if "/" not in path:
            return False
        parent = path.rsplit("/", 1)[0]
        known = self._dirs.get(parent)
        if known is None:
            known = self._dirs[parent] = self.covers(parent)
        return known


DUPLICATE_BYTES = Rule(
    id="CS207",
    name="duplicate-bytes-over-budget",
    summary="Bytes reclaimable from duplicates (CS202-CS205, each counted once) exceed a budget.",
    help=(
        "The union of what the materialised-recursion, materialised-dirlink, duplicate-tree "
        "and duplicate-file findings reclaim, each byte once, compared with "
        "budgets.duplicate_bytes (`duplicate-bytes` in .closurescope.toml). Fails when greater; "
        "no verdict (SKIP) when the budget is not set."
    ),
    severity=Severity.ERROR,
    budget="duplicate_bytes",
    scope="files",
)


def _size_text(n: int) -> str:
    return f"{n:,} bytes"


class DuplicatesDetector:
    """Directory- and file-level duplication with reclaimable bytes."""

    rules: Sequence[Rule] = (
        MATERIALISED_RECURSION,
        MATERIALISED_DIRLINK,
        DUPLICATE_FILES,
        DUPLICATE_TREES,
        DUPLICATE_BYTES,
    )

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        """Findings for CS202–CS205 and the CS207 budget verdict (pure; no host reads)."""
        del sizes
        tree = closure.files
        if tree is None:
            return (), ()
        known = (shared or {}).get("merkle")
        findings, verdict = duplicates_of(
            tree, settings, known if isinstance(known, DirIndex) else None
        )
        return findings, (() if verdict is None else (verdict,))


def duplicates_of(
    tree: FileTree, settings: Settings, index: DirIndex | None = None
) -> tuple[list[Finding], RuleResult | None]:
    """CS202–CS205 findings on ``tree`` (each byte once) and the CS207 budget verdict.

    The verdict is None when the budget is not set or CS207 is disabled. Used by the
    detector and by ``closurescope dupes`` (which has a FileTree and no Closure).
    """
    findings = duplicate_findings(tree, settings, index)
    budget = settings.budgets.duplicate_bytes
    if budget is None or not settings.enabled(DUPLICATE_BYTES.id):
        return findings, None
    total = total_saving(findings, tree, {})
    fail = total > budget
    severity = settings.severity(DUPLICATE_BYTES.id, DUPLICATE_BYTES.severity)
    verdict = RuleResult(
        rule_id=DUPLICATE_BYTES.id,
        status=Status.FAIL if fail else Status.PASS,
        severity=severity,
        message=(
            f"too many duplicate bytes ({total} > {budget})" if fail else f"{total} duplicate bytes"
        ),
        value=str(total),
        threshold=str(budget),
    )
    if fail:
        reclaims = frozenset(p for f in findings for p in f.reclaims)
        findings.append(
            Finding(
                rule_id=DUPLICATE_BYTES.id,
                severity=severity,
                title=f"{_size_text(total)} in duplicates, over the budget of {_size_text(budget)}",
                subjects=(),
                saving=total,
                evidence=tuple(
                    f"{rule}: {sum(1 for f in findings if f.rule_id == rule)} findings"
                    for rule in ("CS202", "CS203", "CS205", "CS204")
                ),
                fix=Fix(text="Fix the CS202-CS205 findings, largest saving first."),
                reclaims=reclaims,
            )
        )
    return findings, verdict


def duplicate_findings(
    tree: FileTree, settings: Settings, index: DirIndex | None = None
) -> list[Finding]:
    """CS202 recursion, CS203 dirlinks, CS205 trees, then CS204 files, each byte once."""
    globs = settings.ignore_paths
    index = index if index is not None else index_tree(tree)
    regions = _Regions()
    out: list[Finding] = []

    def sev(rule: Rule) -> Severity:
        return settings.severity(rule.id, rule.severity)

    if settings.enabled(MATERIALISED_RECURSION.id):
        for rec in materialised_recursions(tree, index):
            if globs and ignored(rec.chain[0], globs):
                continue
            regions.add(rec.reclaims)
            base = f"/{rec.base}" if rec.base else "/"
            out.append(
                Finding(
                    rule_id=MATERIALISED_RECURSION.id,
                    severity=sev(MATERIALISED_RECURSION),
                    title=(
                        f"{base} holds {rec.depth} nested copies of itself along "
                        f"{rec.name}/{rec.name}/…"
                    ),
                    subjects=(rec.base, rec.chain[0]),
                    saving=rec.reclaimable,
                    evidence=(
                        f"depth: {rec.depth} nested copies beyond {base}",
                        f"one copy: {_size_text(rec.copy_size)}",
                        f"innermost copy: /{rec.chain[-1]}",
                    ),
                    fix=Fix(
                        text=(
                            "Keep one copy: make the nested entry a symlink again, or copy "
                            "without dereferencing (rsync -aK instead of -ak; dockerTools "
                            "buildImage: keepContentsDirlinks = true)."
                        ),
                        snippet=f"rm -rf /{rec.chain[0]} && ln -s . /{rec.chain[0]}",
                        snippet_lang="shell",
                    ),
                    reclaims=frozenset(rec.reclaims),
                )
            )
    if settings.enabled(MATERIALISED_DIRLINK.id):
        for dl in materialised_dirlinks(tree, index, globs):
            if regions.covers(dl.path):
                continue
            regions.add((dl.path,))
            out.append(
                Finding(
                    rule_id=MATERIALISED_DIRLINK.id,
                    severity=sev(MATERIALISED_DIRLINK),
                    title=f"/{dl.path} is a copy of /{dl.target}, which symlinks point to",
                    subjects=(dl.path, dl.target),
                    saving=dl.size,
                    evidence=(
                        f"{dl.files} files, {_size_text(dl.size)}",
                        "linked from: " + ", ".join(f"/{link}" for link in dl.links[:5]),
                    ),
                    fix=Fix(
                        text=(
                            "Replace the copy by a symlink (keep dirlinks when copying: "
                            "rsync -aK, dockerTools keepContentsDirlinks = true)."
                        ),
                        snippet=f"rm -rf /{dl.path} && ln -s /{dl.target} /{dl.path}",
                        snippet_lang="shell",
                    ),
                    reclaims=frozenset({dl.path}),
                )
            )
    if settings.enabled(DUPLICATE_TREES.id):
        for group in duplicate_trees(tree, index, globs):
            redundant = tuple(p for p in group.redundant if not regions.covers(p))
            if not redundant:
                continue
            regions.add(redundant)
            saving = group.size * len(redundant)
            out.append(
                Finding(
                    rule_id=DUPLICATE_TREES.id,
                    severity=sev(DUPLICATE_TREES),
                    title=(
                        f"/{group.keep} is stored {len(redundant) + 1} times "
                        f"({group.files} files, {_size_text(group.size)} each)"
                    ),
                    subjects=(group.keep, *redundant),
                    saving=saving,
                    evidence=(f"keep: /{group.keep}", *(f"copy: /{p}" for p in redundant)),
                    fix=Fix(
                        text=(
                            "Keep one tree and symlink (or remove) the others; in Nix, depend "
                            "on one store path instead of copying it; in a Dockerfile, copy "
                            "it once."
                        ),
                        snippet="\n".join(
                            f"rm -rf /{p} && ln -s /{group.keep} /{p}" for p in redundant
                        ),
                        snippet_lang="shell",
                    ),
                    reclaims=frozenset(redundant),
                )
            )
    if settings.enabled(DUPLICATE_FILES.id):
        out.extend(_file_findings(tree, globs, regions, sev(DUPLICATE_FILES)))
    return out


def _file_findings(
    tree: FileTree, globs: Sequence[str], regions: _Regions, severity: Severity
) -> list[Finding]:
    out: list[Finding] = []
    for group in duplicate_files(tree, globs):
        survivors = [p for p in group.paths if not regions.covers(p)]
        if len(survivors) < 2:
            continue
        keep, redundant = survivors[0], tuple(survivors[1:])
        layers = []
        for p in survivors:
            entry = tree.get(p)
            layers.append(
                f"/{p}" + (f" (layer {entry.layer})" if entry and entry.layer is not None else "")
            )
        out.append(
            Finding(
                rule_id=DUPLICATE_FILES.id,
                severity=severity,
                title=f"{len(survivors)} copies of /{keep} ({_size_text(group.size)} each)",
                subjects=tuple(survivors),
                saving=group.size * len(redundant),
                evidence=(f"digest: {group.digest}", *layers),
                fix=Fix(
                    text=(
                        "Keep one copy and hardlink or symlink the others (jdupes -L / rdfind "
                        "-makehardlinks in the build), or stop installing the copies."
                    ),
                    snippet="\n".join(f"ln -f /{keep} /{p}" for p in redundant),
                    snippet_lang="shell",
                ),
                reclaims=frozenset(redundant),
            )
        )
    return out


DETECTOR = DuplicatesDetector()
