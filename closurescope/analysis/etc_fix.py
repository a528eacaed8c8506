"""The fix for an /etc subset: snippets to paste and the packages that provide the files.

Used by ``analysis.etc``; pure functions returning text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from closurescope.analysis.result import NodeSizes
from closurescope.model import Closure, NodeId


@dataclass(frozen=True, slots=True, kw_only=True)
class Provider:
    """A nixpkgs package that provides some /etc entries directly."""

    attr: str
    """nixpkgs attribute (``iana-etc``, ``cacert``, ``dockerTools.fakeNss``)."""
    provides: tuple[str, ...]
    """The kept entries it provides."""
    component: NodeId | None = None
    """The matching component of this closure, when present."""
    closure_size: int | None = None
    """Its closure size in this closure (None when it is not in it)."""

    def to_json(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "attr": self.attr,
            "provides": list(self.provides),
            "component": self.component,
            "closure_size": self.closure_size,
        }


_PROVIDERS: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # attr, entries it provides, component names (pname) it is known as in a closure
    ("iana-etc", ("services", "protocols"), ("iana-etc", "netbase")),
    ("cacert", ("ssl", "pki"), ("nss-cacert", "cacert", "ca-certificates")),
    ("dockerTools.fakeNss", ("passwd", "group", "nsswitch.conf"), ("fake-nss", "fakeNss")),
    ("tzdata", ("zoneinfo", "localtime"), ("tzdata",)),
    ("glibcLocales", ("locale.conf",), ("glibc-locales",)),
)


def providers(
    closure: Closure, sizes: Mapping[NodeId, NodeSizes], kept: Sequence[str]
) -> tuple[Provider, ...]:
    """The packages providing the kept entries, with their closure size here when present."""
    by_pname: dict[str, NodeId] = {}
    for node, comp in sorted(closure.graph.components.items()):
        by_pname.setdefault(comp.pname, node)
    out: list[Provider] = []
    for attr, provides, pnames in _PROVIDERS:
        mine = tuple(e for e in provides if e in kept)
        if not mine:
            continue
        found = next((by_pname[p] for p in pnames if p in by_pname), None)
        size = sizes[found].closure_size if found is not None and found in sizes else None
        out.append(Provider(attr=attr, provides=mine, component=found, closure_size=size))
    return tuple(out)


def brace(names: Sequence[str]) -> str:
    """``etc/{a,b}`` (``etc/a`` for one name), as a shell brace expansion."""
    if len(names) == 1:
        return f"etc/{names[0]}"
    return "etc/{" + ",".join(names) + "}"


def fix_snippets(
    etc_root: str,
    kept: Sequence[str],
    mirrors: Sequence[NodeId],
    provs: Sequence[Provider],
) -> dict[str, str]:
    """``nix`` (runCommand + rsync -aR), ``nix-packages``, ``shell`` and ``dockerfile`` forms."""
    if not kept:
        return {
            "shell": "# no /etc entry is needed: leave /etc out of the image",
            "dockerfile": "# no /etc entry is needed: do not COPY /etc into the image",
        }
    names = sorted(kept)
    spec = brace(names)
    source = "${etc}"
    comment = "#   etc: the derivation whose etc/ you copy into the image"
    if mirrors:
        comment += f" ({', '.join(mirrors)})"
    nix = (
        "# Copy only the /etc entries the programs need (symlinks kept: their store paths\n"
        "# stay in the closure through the new derivation's references).\n"
        f"{comment}\n"
        "etcSubset = pkgs.runCommand \"etc-subset\" { } ''\n"
        "  mkdir -p $out\n"
        f"  cd {source}\n"
        f"  ${{pkgs.rsync}}/bin/rsync -aR {spec} $out/\n"
        "'';\n"
        "# then: copyToRoot = [ app etcSubset ];  (instead of the whole etc)"
    )
    out = {"nix": nix}
    if provs:
        attrs = " ".join(f"pkgs.{p.attr}" for p in provs)
        covered = sorted({e for p in provs for e in p.provides})
        rest = [n for n in names if n not in covered]
        text = (
            f"# or build /etc from the packages that provide these files directly:\n"
            f"copyToRoot = [ app {attrs} ];"
        )
        if rest:
            text += f"\n# still to provide by hand: {', '.join('/etc/' + r for r in rest)}"
        out["nix-packages"] = text
    out["shell"] = (
        "# from a root filesystem ROOT (an unpacked image) into a fresh NEWROOT:\n"
        f"cd ROOT && rsync -aR {spec} NEWROOT/"
    )
    if etc_root != "etc":
        out["shell"] += f"\n# (/etc is a link to /{etc_root} in this image)"
    copies = "\n".join(f"COPY --from=full /etc/{n} /etc/{n}" for n in names)
    out["dockerfile"] = (
        "FROM your-image AS full\n"
        "FROM scratch\n"
        "# ... COPY the program and its libraries ...\n"
        f"{copies}"
    )
    return out
