"""The minimal ``/etc`` an image needs: which entries its programs use, and what the rest costs.

``suggest_etc(closure, sizes, settings)`` is pure. Steps (``docs/explanation/etc-heuristic.md``
explains the reasoning and its limits):

1. **Programs**: ``settings.apps`` (``--app``), else the config's Entrypoint (or Cmd) program,
   resolved inside the tree (symlinks followed; a bare name through the config's ``PATH``).
2. **Evidence**: the markers (``Closure.file_markers``) of the programs and of the shared
   libraries of their closure in the graph. Markers of the C library itself (``libc.so``,
   ``libnss_*``, ``ld-linux`` …) name every file libc *can* read, so they never create a need;
   they only back up an entry another file needs. ``settings.needs`` (``--need``) and a
   ``User`` given by name add needs by hand.
3. **Needs → entries**: ``dns`` keeps ``services``, ``protocols``, ``nsswitch.conf`` (``hosts``
   and ``resolv.conf`` are bind-mounted by the container runtime); ``tls`` keeps ``ssl`` (or
   ``pki``) and whatever ``SSL_CERT_FILE``/``SSL_CERT_DIR`` name in ``/etc``; ``users`` keeps
   ``passwd``, ``group``, ``nsswitch.conf``; ``tz`` keeps ``localtime``, ``zoneinfo``;
   ``locale`` keeps ``locale.conf`` and the package holding the locale archive. An etc path
   named in a program's (or non-libc library's) bytes is kept as well.
4. **Saving, on the graph**: every component owning files under ``etc/`` loses the references
   whose evidence lies only in dropped entries; a store path whose ``etc/`` the image copies
   (NixOS ``system.build.etc``) is treated the same way, and so is an image-contents root that
   lists it: its references to what ``/etc`` links to are there for ``/etc``. Roots that only
   dropped entries reach (a package named in ``Env`` for ``/etc``'s sake) stop being roots.
   Saving = union closure size now − union closure size after (dropped files' bytes included).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from closurescope.analysis.etc_fix import Provider, fix_snippets, providers
from closurescope.analysis.etc_graph import (
    EtcEntry,
    Evidence,
    etc_entries,
    etc_root,
    model_removal,
    node_size,
)
from closurescope.analysis.result import NodeSizes
from closurescope.config import Settings
from closurescope.model import Closure, ComponentKind, FileKind, FileTree, NodeId

NEEDS = ("dns", "locale", "tls", "tz", "users")
"""What ``--need`` accepts."""

MARKER_NEED: Mapping[str, str] = {
    "SSL_CTX_new": "tls",
    "libssl.so": "tls",
    "libcrypto.so": "tls",
    "gnutls_": "tls",
    "SSL_CERT_FILE": "tls",
    "SSL_CERT_DIR": "tls",
    "NIX_SSL_CERT_FILE": "tls",
    "/etc/ssl/certs": "tls",
    "/etc/pki": "tls",
    "getaddrinfo": "dns",
    "getservbyname": "dns",
    "gethostbyname": "dns",
    "getprotobyname": "dns",
    "/etc/services": "dns",
    "/etc/protocols": "dns",
    "/etc/hosts": "dns",
    "/etc/resolv.conf": "dns",
    "/etc/nsswitch.conf": "dns",
    "getpwnam": "users",
    "getpwuid": "users",
    "getgrnam": "users",
    "/etc/passwd": "users",
    "/etc/group": "users",
    "setlocale": "locale",
    "newlocale": "locale",
    "locale-archive": "locale",
    "LOCALE_ARCHIVE": "locale",
    "tzset": "tz",
    "localtime_r": "tz",
    "/etc/localtime": "tz",
    "zoneinfo": "tz",
    "TZDIR": "tz",
}
"""Which need a marker found in a program or library shows."""

NEED_ENTRIES: Mapping[str, tuple[str, ...]] = {
    "dns": ("services", "protocols", "nsswitch.conf", "hosts", "resolv.conf"),
    "tls": ("ssl",),
    "users": ("passwd", "group", "nsswitch.conf"),
    "tz": ("localtime", "zoneinfo"),
    "locale": ("locale.conf",),
}
"""The top-level ``/etc`` entries each need reads (when present)."""

RUNTIME_PROVIDED: Mapping[str, str] = {
    "hosts": "bind-mounted by the container runtime (docker, podman, Kubernetes)",
    "resolv.conf": "bind-mounted by the container runtime (docker, podman, Kubernetes)",
    "hostname": "bind-mounted by the container runtime (docker, podman, Kubernetes)",
}

ENV_NEED: Mapping[str, str] = {
    "SSL_CERT_FILE": "tls",
    "NIX_SSL_CERT_FILE": "tls",
    "SSL_CERT_DIR": "tls",
    "TZDIR": "tz",
    "LOCALE_ARCHIVE": "locale",
    "LOCPATH": "locale",
}
"""Environment variables naming files a need reads (they point at what to keep)."""

LIBC_RE = re.compile(
    r"^(?:libc[.-]|libc\.musl|ld-linux|ld-musl|ld64\.so|libnss_|libresolv[.-]|libpthread[.-]"
    r"|libdl[.-]|libm[.-]|librt[.-]|libutil[.-])"
)
"""The C library's own files: they name every etc file libc can read, so they are evidence
for an entry another file needs, never a need by themselves."""

_ETC_PATH_RE = re.compile(r"^/etc/([^/]+)")
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass(frozen=True, slots=True, kw_only=True)
class EtcSuggestion:
    """The result of ``suggest_etc``: what to keep, what to drop, the saving and the fix."""

    applicable: bool
    reason: str = ""
    """Why there is no suggestion (no file tree, no /etc)."""
    programs: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    need_evidence: Mapping[str, tuple[Evidence, ...]] = field(default_factory=dict)
    keep: tuple[EtcEntry, ...] = ()
    drop: tuple[EtcEntry, ...] = ()
    runtime: tuple[EtcEntry, ...] = ()
    size_before: int | None = None
    size_after: int | None = None
    saving: int | None = None
    removed: tuple[NodeId, ...] = ()
    """Components the fix removes from the closure."""
    etc_store_paths: tuple[NodeId, ...] = ()
    """Store paths whose ``etc/`` the image copies (NixOS ``system.build.etc``)."""
    providers: tuple[Provider, ...] = ()
    snippets: Mapping[str, str] = field(default_factory=dict)
    """``nix``, ``nix-packages``, ``shell``, ``dockerfile``."""
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (``metrics["etc"]``): keep/drop/runtime items with path, reason, size."""

        def item(e: EtcEntry) -> dict[str, Any]:
            return {
                "path": e.path,
                "name": e.name,
                "kind": e.kind,
                "reason": "; ".join(e.reasons),
                "size": e.drag_bytes or e.size,
                "references": list(e.references),
                "drags": list(e.drags),
                "evidence": [
                    {"source": x.source, "marker": x.marker, "need": x.need} for x in e.evidence
                ],
            }

        return {
            "applicable": self.applicable,
            "reason": self.reason,
            "programs": list(self.programs),
            "needs": list(self.needs),
            "need_evidence": {
                k: [{"source": x.source, "marker": x.marker} for x in v]
                for k, v in sorted(self.need_evidence.items())
            },
            "keep": [item(e) for e in self.keep],
            "drop": [item(e) for e in self.drop],
            "runtime": [item(e) for e in self.runtime],
            "size_before": self.size_before,
            "size_after": self.size_after,
            "saving": self.saving,
            "removed": list(self.removed),
            "etc_store_paths": list(self.etc_store_paths),
            "providers": [p.to_json() for p in self.providers],
            "snippets": dict(sorted(self.snippets.items())),
            "notes": list(self.notes),
        }


def parse_needs(text: str) -> frozenset[str]:
    """``"tls,dns"`` → {"tls", "dns"}; ValueError naming the known needs otherwise."""
    out = {p.strip().lower() for p in text.split(",") if p.strip()}
    unknown = sorted(out - set(NEEDS))
    if unknown:
        raise ValueError(f"unknown need {', '.join(unknown)} (one of {', '.join(NEEDS)})")
    return frozenset(out)


# -- programs ------------------------------------------------------------------------------


def _resolve_program(tree: FileTree, spec: str, path_var: str) -> str | None:
    candidates = (
        [spec.lstrip("/")]
        if "/" in spec
        else [posixpath.join(d, spec).lstrip("/") for d in path_var.split(":") if d]
    )
    for cand in candidates:
        res = tree.resolve(cand)
        if res.status.value == "ok":
            entry = tree.get(res.path)
            if entry is not None and entry.kind in (FileKind.FILE, FileKind.HARDLINK):
                return res.path
    return None


def programs_of(closure: Closure, settings: Settings) -> tuple[list[str], list[str], list[str]]:
    """(resolved in-image program paths, the specs asked for, notes)."""
    tree = closure.files
    notes: list[str] = []
    if settings.apps:
        specs = list(settings.apps)
    else:
        cfg = closure.config
        argv = (cfg.entrypoint or ()) if cfg else ()
        if not argv and cfg and cfg.cmd:
            argv = cfg.cmd
        specs = [argv[0]] if argv else []
        if argv and posixpath.basename(argv[0]) in ("sh", "bash", "dash", "ash") and "-c" in argv:
            notes.append(
                f"the entry point runs a shell command ({' '.join(argv)[:80]}); "
                "name the real program with --app"
            )
    if not specs:
        notes.append("no Entrypoint/Cmd in the image config and no --app: needs come from --need")
    path_var = (closure.config.env_map.get("PATH") if closure.config else None) or DEFAULT_PATH
    found: list[str] = []
    for spec in specs:
        resolved = _resolve_program(tree, spec, path_var) if tree is not None else None
        if resolved is None:
            notes.append(f"program {spec} is not in the image")
        elif resolved not in found:
            found.append(resolved)
    return found, specs, notes


def _real(tree: FileTree, path: str) -> str:
    entry = tree.get(path)
    if entry is not None and entry.kind is FileKind.HARDLINK and entry.link_target:
        return entry.link_target
    return path


def evidence_files(closure: Closure, programs: Iterable[str]) -> tuple[list[str], list[str]]:
    """(the program files and the shared libraries of their closure, the libc files among
    them). Without an owning component, every shared library of the image."""
    tree = closure.files
    assert tree is not None
    progs = list(programs)
    comps = {tree.get(p).component for p in progs if tree.get(p) is not None}  # type: ignore[union-attr]
    owned = [NodeId(c) for c in comps if c is not None and NodeId(c) in closure.graph]
    reach = closure.graph.closure(owned) if owned and len(owned) == len(comps) else None
    libs: list[str] = []
    for entry in tree.entries.values():
        if entry.kind not in (FileKind.FILE, FileKind.HARDLINK) or ".so" not in entry.name:
            continue
        if reach is None or (entry.component is not None and NodeId(entry.component) in reach):
            libs.append(entry.path)
    files = sorted(set(progs) | set(libs))
    libc = [f for f in files if f not in progs and LIBC_RE.match(f.rsplit("/", 1)[-1])]
    return files, libc


# -- the analysis --------------------------------------------------------------------------


def suggest_etc(
    closure: Closure, sizes: Mapping[NodeId, NodeSizes], settings: Settings
) -> EtcSuggestion:
    """The minimal /etc for the image's programs, with evidence, the saving and the fix."""
    tree = closure.files
    if tree is None:
        return EtcSuggestion(applicable=False, reason=_no_files_reason(closure, sizes))
    root = etc_root(tree)
    if root is None:
        return EtcSuggestion(applicable=False, reason="the image has no /etc directory")
    entries = etc_entries(closure, tree, root)
    programs, _specs, notes = programs_of(closure, settings)
    files, libc = evidence_files(closure, programs)
    libc_set = set(libc)
    need_ev: dict[str, list[Evidence]] = {}
    named: dict[str, list[Evidence]] = {}
    support: dict[str, list[Evidence]] = {}
    for path in files:
        found = closure.file_markers.get(_real(tree, path), ())
        for marker in sorted(found, key=lambda m: (m.startswith("/"), m)):
            ev = Evidence(source=path, marker=marker, need=MARKER_NEED.get(marker))
            match = _ETC_PATH_RE.match(marker)
            if path in libc_set:
                if match:
                    support.setdefault(match.group(1), []).append(ev)
                continue
            if ev.need:
                need_ev.setdefault(ev.need, []).append(ev)
            if match:
                named.setdefault(match.group(1), []).append(ev)
    for need in sorted(settings.needs):
        need_ev.setdefault(need, []).append(Evidence(source="--need", marker=need, need=need))
    cfg = closure.config
    if cfg and cfg.user and not cfg.user.split(":")[0].isdigit():
        need_ev.setdefault("users", []).append(
            Evidence(source="config User", marker=cfg.user, need="users")
        )
    env = cfg.env_map if cfg else {}
    for var, need in ENV_NEED.items():
        match = _ETC_PATH_RE.match(env.get(var, ""))
        if match and need in need_ev:
            named.setdefault(match.group(1), []).append(
                Evidence(source=f"Env {var}", marker=env[var], need=need)
            )
    keep_reasons: dict[str, list[str]] = {}
    keep_ev: dict[str, list[Evidence]] = {}
    for need in sorted(need_ev):
        wanted = list(NEED_ENTRIES.get(need, ()))
        if need == "tls" and "ssl" not in entries and "pki" in entries:
            wanted.append("pki")
        for name in wanted:
            if name in entries:
                keep_reasons.setdefault(name, []).append(f"{need}: " + need_ev[need][0].text())
                keep_ev.setdefault(name, []).extend(need_ev[need][:3])
            elif name not in RUNTIME_PROVIDED:
                notes.append(f"{need} needs /etc/{name}, which the image does not have")
    for name, evs in sorted(named.items()):
        if name in entries:
            keep_reasons.setdefault(name, []).append("named: " + evs[0].text())
            keep_ev.setdefault(name, []).extend(evs[:3])
    for name in keep_reasons:
        keep_ev[name].extend(support.get(name, [])[:2])
    kept = {n for n in keep_reasons if n not in RUNTIME_PROVIDED}
    runtime = {n for n in entries if n in RUNTIME_PROVIDED}
    dropped = set(entries) - kept - runtime
    model = model_removal(closure, tree, root, entries, kept, set(need_ev), programs)
    if cfg and "LANG" in env and "locale" not in need_ev:
        notes.append(
            "LANG is set but no program shows locale use (setlocale/newlocale); the locale "
            "archive goes with /etc (state --need locale to keep it)"
        )
    keep = tuple(
        _with(entries[n], reasons=tuple(keep_reasons[n]), evidence=_uniq(keep_ev[n]))
        for n in sorted(kept)
    )
    drop = tuple(
        _with(
            entries[n],
            reasons=(_drop_reason(closure, model.drags.get(n, ())),),
            drags=model.drags.get(n, ()),
            drag_bytes=entries[n].size + sum(node_size(closure, c) for c in model.drags.get(n, ())),
        )
        for n in sorted(dropped)
    )
    run = tuple(_with(entries[n], reasons=(RUNTIME_PROVIDED[n],)) for n in sorted(runtime))
    provs = providers(closure, sizes, sorted(kept))
    return EtcSuggestion(
        applicable=True,
        programs=tuple(programs),
        needs=tuple(sorted(need_ev)),
        need_evidence={k: _uniq(v) for k, v in sorted(need_ev.items())},
        keep=keep,
        drop=drop,
        runtime=run,
        size_before=model.before,
        size_after=model.after,
        saving=model.before - model.after,
        removed=model.removed,
        etc_store_paths=model.mirrors,
        providers=provs,
        snippets=fix_snippets(root, sorted(kept), model.mirrors, provs),
        notes=tuple(notes + model.notes),
    )


def _drop_reason(closure: Closure, drags: Iterable[NodeId]) -> str:
    names = [closure.graph.component(d).name for d in drags]
    text = "no program (or library of its closure) uses it"
    return text + (f"; it keeps {', '.join(names)} in the closure" if names else "")


def _no_files_reason(closure: Closure, sizes: Mapping[NodeId, NodeSizes]) -> str:
    """Why a store-path closure gets no suggestion, naming the etc derivations it holds."""
    text = (
        f"{closure.source.path} is a closure without files ({closure.source.format}); "
        "the /etc analysis needs an image or a root filesystem (docker-archive, OCI, rootfs): "
        "it reads /etc and the programs' bytes"
    )
    etcs = [
        n
        for n, c in closure.graph.components.items()
        if c.kind is ComponentKind.STORE_PATH and (c.name == "etc" or c.name.startswith("etc-"))
    ]
    for node in sorted(etcs):
        ns = sizes.get(node)
        added = ns.added_size if ns is not None else None
        refs = len(closure.graph.references(node))
        text += (
            f"; it holds {node} (an etc derivation with {refs} references"
            + (f", {added} bytes of added size as nix-tree counts it" if added is not None else "")
            + "): run 'closurescope etc' on the image built from it"
        )
    return text


def _uniq(evs: Iterable[Evidence]) -> tuple[Evidence, ...]:
    seen: dict[tuple[str, str], Evidence] = {}
    for ev in evs:
        seen.setdefault((ev.source, ev.marker), ev)
    return tuple(seen.values())


def _with(entry: EtcEntry, **changes: Any) -> EtcEntry:
    import dataclasses

    return dataclasses.replace(entry, **changes)
