"""Compare two reports (or a baseline report and a new input), like ``nix store diff-closures``.

Components are grouped by package name exactly as ``nix store diff-closures`` groups store
paths: an output suffix matching ``(.*)-([a-z]+|lib32|lib64)`` is stripped, then the name and
version are split like Nix's DrvName (the version starts at the first ``-`` that is followed
by a character that is not a letter). A group is listed when its set of versions changed or
its size changed by at least 8 KiB (Nix's threshold); groups are sorted by |size delta|.
For images and rootfs inputs loaded live, files are compared too (added, removed, changed
content). Findings are matched by rule id and subjects: new and fixed.
"""

from __future__ import annotations

import re
from typing import Any

from closurescope.model import FileKind, FileTree
from closurescope.report.document import Document
from closurescope.units import format_delta, format_size

SCHEMA_VERSION = 1
THRESHOLD = 8 * 1024
"""``nix store diff-closures`` shows a size change only from 8 KiB on."""
_OUTPUT_RE = re.compile(r"^(.*)-([a-z]+|lib32|lib64)$", re.DOTALL)


def nix_group_name(name: str) -> tuple[str, str]:
    """(package name, version) as ``nix store diff-closures`` computes them."""
    match = _OUTPUT_RE.match(name)
    if match:
        name = match.group(1)
    for i, ch in enumerate(name):
        if ch == "-" and i + 1 < len(name) and not name[i + 1].isalpha():
            return name[:i], name[i + 1 :]
    return name, ""


def _groups(doc: Document) -> dict[str, dict[str, int | None]]:
    """name → {version → summed self size (None when unknown)}."""
    out: dict[str, dict[str, int | None]] = {}
    for comp in doc["components"]:
        if comp["kind"] not in ("store-path", "package"):
            name, version = str(comp["name"]), str(comp.get("version") or "")
        else:
            name, version = nix_group_name(str(comp["name"]))
        versions = out.setdefault(name, {})
        size = comp["self_size"]
        old = versions.get(version, 0)
        versions[version] = None if size is None or old is None else old + size
    return out


def _sum(sizes: dict[str, int | None]) -> int | None:
    total = 0
    for size in sizes.values():
        if size is None:
            return None
        total += size
    return total


def _finding_key(f: dict[str, Any]) -> str:
    return f"{f['rule_id']}\0" + "\0".join(f["subjects"])


def diff_documents(
    old: Document,
    new: Document,
    *,
    old_files: FileTree | None = None,
    new_files: FileTree | None = None,
    file_limit: int = 200,
) -> Document:
    """The comparison of two reports, JSON-ready and sorted."""
    before, after = _groups(old), _groups(new)
    packages: list[dict[str, Any]] = []
    for name in sorted(set(before) | set(after)):
        bv, av = before.get(name, {}), after.get(name, {})
        bsize, asize = _sum(bv), _sum(av)
        delta = None if bsize is None or asize is None else asize - bsize
        removed = sorted(set(bv) - set(av))
        added = sorted(set(av) - set(bv))
        significant = delta is not None and abs(delta) >= THRESHOLD
        if not (removed or added or significant):
            continue
        if not bv:
            status = "added"
        elif not av:
            status = "removed"
        elif removed or added:
            status = "upgraded"
        else:
            status = "grown" if (delta or 0) > 0 else "shrunk"
        packages.append(
            {
                "name": name,
                "status": status,
                "old_versions": sorted(bv),
                "new_versions": sorted(av),
                "removed_versions": removed,
                "added_versions": added,
                "old_size": bsize,
                "new_size": asize,
                "delta": delta,
            }
        )
    packages.sort(key=lambda p: (-abs(p["delta"] or 0), p["name"]))
    old_f = {_finding_key(f): f for f in old["findings"]}
    new_f = {_finding_key(f): f for f in new["findings"]}
    old_total, new_total = old["summary"]["total_size"], new["summary"]["total_size"]
    doc: Document = {
        "schema": "closurescope-diff",
        "schema_version": SCHEMA_VERSION,
        "old": _side(old),
        "new": _side(new),
        "total_delta": None if old_total is None or new_total is None else new_total - old_total,
        "packages": packages,
        "findings": {
            "new": [new_f[k] for k in sorted(set(new_f) - set(old_f))],
            "fixed": [old_f[k] for k in sorted(set(old_f) - set(new_f))],
        },
        "files": None,
    }
    if old_files is not None and new_files is not None:
        doc["files"] = diff_files(old_files, new_files, limit=file_limit)
    return doc


def _side(doc: Document) -> dict[str, Any]:
    return {
        "path": doc["source"]["path"],
        "format": doc["source"]["format"],
        "components": doc["summary"]["components"],
        "total_size": doc["summary"]["total_size"],
        "findings": len(doc["findings"]),
    }


def diff_files(old: FileTree, new: FileTree, *, limit: int) -> dict[str, Any]:
    """Regular files added, removed and changed (size or content), largest first, capped."""

    def files(tree: FileTree) -> dict[str, tuple[int, str | None]]:
        return {e.path: (e.size, e.digest) for e in tree if e.kind is FileKind.FILE}

    a, b = files(old), files(new)
    added = sorted(((p, b[p][0]) for p in set(b) - set(a)), key=lambda x: (-x[1], x[0]))
    removed = sorted(((p, a[p][0]) for p in set(a) - set(b)), key=lambda x: (-x[1], x[0]))
    changed = sorted(
        ((p, b[p][0] - a[p][0]) for p in set(a) & set(b) if a[p] != b[p]),
        key=lambda x: (-abs(x[1]), x[0]),
    )
    return {
        "added": [{"path": p, "size": s} for p, s in added[:limit]],
        "removed": [{"path": p, "size": s} for p, s in removed[:limit]],
        "changed": [{"path": p, "delta": d} for p, d in changed[:limit]],
        "counts": {"added": len(added), "removed": len(removed), "changed": len(changed)},
        "bytes": {
            "added": sum(s for _, s in added),
            "removed": sum(s for _, s in removed),
            "changed": sum(d for _, d in changed),
        },
    }


def _versions(versions: list[str]) -> str:
    """Nix's notation: ∅ for none, ε for an empty version."""
    if not versions:
        return "∅"
    return ", ".join(v or "ε" for v in versions)


def package_line(p: dict[str, Any]) -> str:
    """One line in ``nix store diff-closures`` form: ``zlib: 1.3 → ∅, -120.5 KiB``."""
    items = []
    if p["removed_versions"] or p["added_versions"]:
        items.append(f"{_versions(p['removed_versions'])} → {_versions(p['added_versions'])}")
    if p["delta"] is not None and abs(p["delta"]) >= THRESHOLD:
        items.append(f"{p['delta'] / 1024.0:+.1f} KiB")
    return f"{p['name']}: {', '.join(items)}"


def render_diff_text(doc: Document) -> str:
    """Plain text: totals, package lines, files, findings."""
    o, n = doc["old"], doc["new"]
    out = [
        f"{o['path']} → {n['path']}",
        f"{o['components']} components → {n['components']} components, "
        f"{format_size(o['total_size'])} → {format_size(n['total_size'])} "
        f"({format_delta(doc['total_delta'])})",
        "",
    ]
    out += [package_line(p) for p in doc["packages"]] or ["no package changes"]
    files = doc["files"]
    if files:
        c = files["counts"]
        out += ["", f"files: +{c['added']} -{c['removed']} ~{c['changed']}"]
        out += [f"  + {f['path']} ({format_size(f['size'])})" for f in files["added"][:20]]
        out += [f"  - {f['path']} ({format_size(f['size'])})" for f in files["removed"][:20]]
        out += [f"  ~ {f['path']} ({format_delta(f['delta'])})" for f in files["changed"][:20]]
    nf, ff = doc["findings"]["new"], doc["findings"]["fixed"]
    out += ["", f"findings: {len(nf)} new, {len(ff)} fixed"]
    out += [f"  new   {f['rule_id']} {f['title']}" for f in nf]
    out += [f"  fixed {f['rule_id']} {f['title']}" for f in ff]
    return "\n".join(out) + "\n"


def render_diff_markdown(doc: Document) -> str:
    """Markdown for a PR comment."""
    o, n = doc["old"], doc["new"]
    out = [
        f"## closurescope diff: `{o['path']}` → `{n['path']}`",
        "",
        f"**{format_size(o['total_size'])} → {format_size(n['total_size'])} "
        f"({format_delta(doc['total_delta'])})**, {o['components']} → {n['components']} components",
        "",
        "| package | change | old | new | delta |",
        "|---|---|---|---|---:|",
    ]
    for p in doc["packages"]:
        out.append(
            f"| `{p['name']}` | {p['status']} | {_versions(p['old_versions'])} | "
            f"{_versions(p['new_versions'])} | {format_delta(p['delta'])} |"
        )
    nf, ff = doc["findings"]["new"], doc["findings"]["fixed"]
    out += ["", f"**Findings:** {len(nf)} new, {len(ff)} fixed"]
    out += [f"- new: **{f['rule_id']}** {f['title']}" for f in nf]
    out += [f"- fixed: {f['rule_id']} {f['title']}" for f in ff]
    return "\n".join(out) + "\n"
