"""CS1xx: rules on the dependency graph and its sizes.

- CS101 closure over budget: PASS/FAIL when ``budgets.closure_size`` is set (the union closure
  of all roots, i.e. every component loaded, against the budget; inclusive like dive: exactly
  at the budget passes).
- CS102 component over budget: PASS/FAIL when ``budgets.component_size`` is set, one finding
  per component whose closure size exceeds it.
- CS103 several versions of one package (``analysis.versions``): saving = the bytes of every
  version but the largest; ``reclaims`` = those versions' component ids.
- CS104 forbidden component (``settings.forbidden`` globs on name and package name) and
- CS105 build-time component in a runtime closure (compilers, ``-dev``/headers outputs, static
  libraries, build tools): saving = the component's added size (nix-tree's meaning),
  ``reclaims`` = every component it dominates, so overlapping findings count bytes once.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase

from closurescope.analysis.result import NodeSizes
from closurescope.analysis.sizes import DominatorTree, dominator_tree, heaviest, total_size
from closurescope.analysis.versions import several_versions
from closurescope.analysis.why import Chain, shortest_chains
from closurescope.config import Settings
from closurescope.model import (
    Closure,
    ComponentKind,
    DepGraph,
    FileKind,
    Finding,
    Fix,
    NodeId,
    Rule,
    RuleResult,
    Severity,
    Status,
)
from closurescope.units import format_size

CS101 = Rule(
    id="CS101",
    name="closure-over-budget",
    summary="The whole closure is bigger than budgets.closure_size",
    help=(
        "The union closure of every root (each component counted once, its self size being the "
        "NAR size for store paths) is compared with budgets.closure_size. The finding lists the "
        "components with the biggest added size: the bytes that would vanish if each one alone "
        "were removed, which is where cutting pays. A closure exactly at the budget passes."
    ),
    severity=Severity.ERROR,
    budget="closure_size",
)
CS102 = Rule(
    id="CS102",
    name="component-over-budget",
    summary="A component's closure size is bigger than budgets.component_size",
    help=(
        "Each component's closure size (itself plus everything it references, directly or not, "
        "as `nix path-info -S` reports) is compared with budgets.component_size. Use it to keep "
        "one application's runtime from growing unnoticed inside a bigger closure."
    ),
    severity=Severity.ERROR,
    budget="component_size",
)
CS103 = Rule(
    id="CS103",
    name="several-versions",
    summary="One package is present in more than one version",
    help=(
        "Two versions of the same package (names split like builtins.parseDrvName, output "
        "suffixes folded as `nix store diff-closures` does) usually mean that one dependency "
        "pins an older input. Every version but the largest is counted as the saving; the "
        "shortest why-depends chain to each version shows who brings it in."
    ),
    severity=Severity.WARNING,
)
CS104 = Rule(
    id="CS104",
    name="forbidden-component",
    summary="A component the configuration forbids is in the closure",
    help=(
        "settings.forbidden lists glob patterns (`gcc-*`, `perl`) matched against each "
        "component's name and package name. The saving is the component's added size: what "
        "leaves the closure with it. Nix can enforce the same with disallowedReferences or "
        "disallowedRequisites on the derivation that must not depend on it."
    ),
    severity=Severity.ERROR,
    budget="forbidden",
)
CS105 = Rule(
    id="CS105",
    name="build-time-in-runtime",
    summary="A compiler, headers, static library or build tool is in a runtime closure",
    help=(
        "Components that are only needed to build things (gcc, binutils, cmake, `-dev` and "
        "headers outputs, static libraries) end up at run time when a build output keeps a "
        "path to them: a compiler path in a script, a pkg-config or libtool file, an rpath. "
        "The saving is the component's added size. Find the file that holds the reference "
        "with `nix why-depends --precise`, remove it (removeReferencesTo, moving files to the "
        "dev output) and guard with disallowedReferences."
    ),
    severity=Severity.WARNING,
)

BUILD_TIME_PATTERNS: tuple[str, ...] = (
    "gcc-[0-9]*",
    "gcc-wrapper-*",
    "clang-[0-9]*",
    "clang-wrapper-*",
    "binutils",
    "binutils-[0-9]*",
    "binutils-wrapper-*",
    "cmake",
    "cmake-[0-9]*",
    "gnumake-*",
    "make",
    "autoconf-*",
    "automake-*",
    "libtool-[0-9]*",
    "pkg-config-*",
    "pkgconf-[0-9]*",
    "bison-*",
    "meson-*",
    "ninja-*",
    "stdenv-*",
    "build-essential",
    "cpp-[0-9]*",
    "*-dev",
    "*-headers",
    "*-headers-[0-9]*",
    "*-static",
)
"""Names (store path names or package names) of build-time things, as fnmatch globs."""
RUNTIME_SUFFIXES: tuple[str, ...] = ("-lib", "-libgcc", "-lib32", "-lib64", "-base", "-man")
"""Outputs of those packages that are legitimately needed at run time (``gcc-13.3.0-lib``
holds libstdc++ and libgcc_s; Debian's ``gcc-12-base`` is a dependency of ``libgcc-s1``)."""

_PACKAGE_KINDS = frozenset({ComponentKind.STORE_PATH, ComponentKind.PACKAGE})
_STATIC_LIB_RE = re.compile(r"^lib.+\.a$")
"""A static library's file name (``libz.a``); other ``.a`` files are left alone."""


_BUILD_TIME_RE = re.compile("|".join(fnmatch.translate(p) for p in BUILD_TIME_PATTERNS))


def is_build_time(name: str) -> bool:
    """True when ``name`` looks like a compiler, headers, a static library or a build tool."""
    if name.endswith(RUNTIME_SUFFIXES):
        return False
    return _BUILD_TIME_RE.match(name) is not None


def show_chain(graph: DepGraph, chain: Chain) -> str:
    """``hello-2.12 → glibc-2.39`` (component names, not ids)."""
    return " → ".join(graph.component(node).name for node in chain)


def _budget_verdict(
    rule: Rule, settings: Settings, value: int | None, budget: int, what: str
) -> RuleResult:
    severity = settings.severity(rule.id, rule.severity)
    if value is None:
        return RuleResult(
            rule_id=rule.id,
            status=Status.SKIP,
            severity=severity,
            message=f"{what}: size unknown",
            threshold=str(budget),
        )
    fail = value > budget
    message = (
        f"{what} is {format_size(value)}, over the budget of {format_size(budget)}"
        if fail
        else f"{what} is {format_size(value)} (budget {format_size(budget)})"
    )
    return RuleResult(
        rule_id=rule.id,
        status=Status.FAIL if fail else Status.PASS,
        severity=severity,
        message=message,
        value=str(value),
        threshold=str(budget),
    )


class GraphRules:
    """The CS1xx detector."""

    rules: Sequence[Rule] = (CS101, CS102, CS103, CS104, CS105)

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        graph = closure.graph
        findings: list[Finding] = []
        verdicts: list[RuleResult] = []
        if settings.enabled(CS101.id) and settings.budgets.closure_size is not None:
            verdict, found = self.closure_budget(graph, sizes, settings)
            verdicts.append(verdict)
            findings.extend(found)
        if settings.enabled(CS102.id) and settings.budgets.component_size is not None:
            verdict, found = self.component_budget(graph, sizes, settings)
            verdicts.append(verdict)
            findings.extend(found)
        if settings.enabled(CS103.id):
            findings.extend(self.versions(graph, sizes, settings))
        tree: DominatorTree | None = None
        removed_by_cs105: set[str] = set()
        for rule, subjects in (
            (CS104, self.forbidden(graph, settings)),
            (CS105, self.build_time(graph)),
        ):
            if not subjects or not settings.enabled(rule.id):
                continue
            tree = tree or dominator_tree(graph)
            found = self.removal_findings(rule, subjects, graph, sizes, settings, tree)
            findings.extend(found)
            if rule is CS105:
                removed_by_cs105.update(*(f.reclaims for f in found))
        if settings.enabled(CS105.id) and closure.files is not None:
            findings.extend(self.static_libraries(closure, settings, frozenset(removed_by_cs105)))
        return findings, verdicts

    @staticmethod
    def static_libraries(
        closure: Closure, settings: Settings, already: frozenset[str]
    ) -> list[Finding]:
        """CS105 for files: static libraries (``lib*.a``) inside runtime components, one
        finding per owning component (skipping components a name finding already removes)."""
        assert closure.files is not None
        by_owner: dict[str, list[tuple[str, int]]] = {}
        for entry in closure.files:
            if entry.kind is not FileKind.FILE or not _STATIC_LIB_RE.match(entry.name):
                continue
            owner = entry.component or ""
            if owner in already:
                continue
            by_owner.setdefault(owner, []).append((entry.path, entry.size))
        graph = closure.graph
        severity = settings.severity(CS105.id, CS105.severity)
        out: list[Finding] = []
        for owner, files in sorted(by_owner.items()):
            files.sort()
            total = sum(size for _, size in files)
            name = graph.component(NodeId(owner)).name if owner in graph else "the image"
            shown = [f"/{path} ({format_size(size)})" for path, size in files[:10]]
            if len(files) > 10:
                shown.append(f"… and {len(files) - 10} more")
            out.append(
                Finding(
                    rule_id=CS105.id,
                    severity=severity,
                    title=f"{len(files)} static librar{'ies' if len(files) > 1 else 'y'} "
                    f"({format_size(total)}) in {name}",
                    subjects=tuple(path for path, _ in files),
                    saving=total,
                    evidence=tuple(shown),
                    fix=Fix(
                        text=(
                            "Static libraries (.a) are only read by the linker. Build without "
                            "them (configure --disable-static, the nixpkgs default unless "
                            "dontDisableStatic is set), delete them after install, or move them "
                            "to an output the runtime closure does not reference."
                        ),
                        snippet='postInstall = "rm -f $out/lib/*.a";',
                        snippet_lang="nix",
                    ),
                    reclaims=frozenset(path for path, _ in files),
                )
            )
        return out

    @staticmethod
    def closure_budget(
        graph: DepGraph, sizes: Mapping[NodeId, NodeSizes], settings: Settings
    ) -> tuple[RuleResult, list[Finding]]:
        """CS101's verdict, and a finding naming the heaviest components when it fails."""
        budget = settings.budgets.closure_size
        assert budget is not None
        total = total_size(graph)
        verdict = _budget_verdict(CS101, settings, total, budget, "the closure")
        if verdict.status is not Status.FAIL or total is None:
            return verdict, []
        roots = set(graph.roots)  # a lone root dominates everything: say what lies below
        top = [n for n in heaviest(sizes, "added", len(roots) + 5) if n not in roots][:5]
        evidence = tuple(
            f"{graph.component(n).name}: added {format_size(sizes[n].added_size)}, "
            f"closure {format_size(sizes[n].closure_size)}"
            for n in top
        )
        finding = Finding(
            rule_id=CS101.id,
            severity=settings.severity(CS101.id, CS101.severity),
            title=(
                f"closure of {len(graph)} components is {format_size(total)}, "
                f"{format_size(total - budget)} over the budget of {format_size(budget)}"
            ),
            subjects=tuple(graph.roots),
            evidence=evidence,
            fix=Fix(
                text=(
                    "Start with the components with the biggest added size (listed): removing "
                    "one of them alone frees that many bytes. `closurescope why` shows who "
                    "brings each one in."
                )
            ),
        )
        return verdict, [finding]

    @staticmethod
    def component_budget(
        graph: DepGraph, sizes: Mapping[NodeId, NodeSizes], settings: Settings
    ) -> tuple[RuleResult, list[Finding]]:
        """CS102: FAIL when any component's closure size exceeds the budget."""
        budget = settings.budgets.component_size
        assert budget is not None
        severity = settings.severity(CS102.id, CS102.severity)
        over = [n for n in sorted(sizes) if (sizes[n].closure_size or 0) > budget]
        findings = [
            Finding(
                rule_id=CS102.id,
                severity=severity,
                title=(
                    f"{graph.component(n).name} has a closure of "
                    f"{format_size(sizes[n].closure_size)} (budget {format_size(budget)})"
                ),
                subjects=(n,),
                evidence=(
                    f"self {format_size(sizes[n].self_size)}, "
                    f"{sizes[n].closure_count} components in its closure",
                ),
            )
            for n in over
        ]
        known = [s.closure_size for s in sizes.values() if s.closure_size is not None]
        unknown = len(sizes) - len(known)
        top = max(known, default=None)
        if top is None:
            verdict = RuleResult(
                rule_id=CS102.id,
                status=Status.SKIP,
                severity=severity,
                message="closure sizes unknown",
                threshold=str(budget),
            )
            return verdict, []
        if over:
            message = f"{len(over)} components over {format_size(budget)}"
        else:
            message = f"largest closure {format_size(top)} (budget {format_size(budget)})"
        if unknown:
            message += f"; {unknown} closure sizes unknown"
        verdict = RuleResult(
            rule_id=CS102.id,
            status=Status.FAIL if over else Status.PASS,
            severity=severity,
            message=message,
            value=str(top),
            threshold=str(budget),
        )
        return verdict, findings

    @staticmethod
    def versions(
        graph: DepGraph, sizes: Mapping[NodeId, NodeSizes], settings: Settings
    ) -> list[Finding]:
        """CS103: one finding per package present in several versions."""
        severity = settings.severity(CS103.id, CS103.severity)
        out: list[Finding] = []
        for group in several_versions(graph, sizes):
            listed = ", ".join(f"{v.version} ({format_size(v.bytes)})" for v in group.versions)
            chains = [
                f"{v.version}: {show_chain(graph, chain)}"
                for v in group.versions
                for chain in v.chains.values()
            ]
            keep = group.versions[0].version
            out.append(
                Finding(
                    rule_id=CS103.id,
                    severity=severity,
                    title=f"{group.pname} is present in {len(group.versions)} versions: {listed}",
                    subjects=tuple(c for v in group.versions for c in v.components),
                    saving=group.wasted,
                    evidence=tuple(chains),
                    fix=Fix(
                        text=(
                            f"Make every dependent use {group.pname} {keep}: the chains show "
                            "which dependency brings each version in; override that "
                            f"dependency's {group.pname} input (or bump it) so one version "
                            "remains. Brought in by: " + "; ".join(chains)
                        ),
                        snippet=(f"dependency.override {{ {group.pname} = pkgs.{group.pname}; }}"),
                        snippet_lang="nix",
                    ),
                    reclaims=frozenset(group.extra_components),
                )
            )
        return out

    @staticmethod
    def forbidden(graph: DepGraph, settings: Settings) -> list[NodeId]:
        """Components whose name or package name matches a ``settings.forbidden`` glob."""
        if not settings.forbidden:
            return []
        out = []
        for node, comp in sorted(graph.components.items()):
            names = (comp.name, comp.pname)
            if any(fnmatchcase(name, pat) for pat in settings.forbidden for name in names):
                out.append(node)
        return out

    @staticmethod
    def build_time(graph: DepGraph) -> list[NodeId]:
        """Components that look like build-time things (see ``is_build_time``)."""
        return [
            node
            for node, comp in sorted(graph.components.items())
            if comp.kind in _PACKAGE_KINDS and is_build_time(comp.name)
        ]

    @staticmethod
    def removal_findings(
        rule: Rule,
        subjects: Sequence[NodeId],
        graph: DepGraph,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        tree: DominatorTree,
    ) -> list[Finding]:
        """CS104/CS105 findings: the why chain, saving = added size, reclaims = dominated."""
        severity = settings.severity(rule.id, rule.severity)
        out: list[Finding] = []
        chains = shortest_chains(graph, subjects)
        for node in subjects:
            comp = graph.component(node)
            chain = show_chain(graph, chains[node])
            added = sizes[node].added_size
            dominated = tree.dominated(node)
            if rule is CS104:
                title = f"{comp.name} is forbidden but in the closure"
                text = (
                    f"Remove {comp.name}: it comes in via {chain}. Cut the reference at the "
                    "first link you control (drop the input, or strip the path with "
                    "removeReferencesTo) and keep it out with disallowedReferences."
                )
            else:
                title = f"{comp.name} (build-time) is in the runtime closure"
                text = (
                    f"{comp.name} is only needed to build; it comes in via {chain}. Run "
                    "`nix why-depends --precise` on the last link to find the file that "
                    "keeps the reference, remove it (removeReferencesTo, or move the file to "
                    "a dev output) and guard with disallowedReferences."
                )
            out.append(
                Finding(
                    rule_id=rule.id,
                    severity=severity,
                    title=title,
                    subjects=(node,),
                    saving=added,
                    evidence=(
                        f"why: {chain}",
                        f"added size {format_size(added)}, closure size "
                        f"{format_size(sizes[node].closure_size)}, "
                        f"{len(dominated)} components go with it",
                    ),
                    fix=Fix(
                        text=text,
                        snippet=f"disallowedReferences = [ pkgs.{comp.pname} ];",
                        snippet_lang="nix",
                    ),
                    reclaims=dominated,
                )
            )
        return out


DETECTOR = GraphRules()
