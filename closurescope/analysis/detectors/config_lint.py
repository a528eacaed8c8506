"""CS4xx: image config lint, checked against the image's own files.

- CS401 unknown-config-key: a key the OCI/Docker image config does not have (top level or
  inside ``config``), with "did you mean" (``Environment`` → ``Env``); the runtime ignores it
  silently.
- CS402 config-wrong-type: ``Env`` not a list of ``K=V`` strings, ``Cmd``/``Entrypoint`` not
  lists of strings, ``ExposedPorts``/``Volumes``/``Labels`` not objects …
- CS403 locale-missing: ``LANG``/``LC_ALL`` set but no locale archive in the image, or
  ``LOCALE_ARCHIVE`` unset (Nix's glibc then finds none) or pointing to a missing file.
- CS404 ca-bundle-missing: TLS libraries present but no CA bundle, or ``SSL_CERT_FILE`` /
  ``NIX_SSL_CERT_FILE`` pointing nowhere.
- CS405 name-lookup-files-missing: name-lookup code (``getaddrinfo``, ``getservbyname`` …)
  but no ``/etc/services`` or ``/etc/nsswitch.conf``.
- CS406 entrypoint-missing: the Entrypoint/Cmd program is not in the image or not
  executable.
- CS407 path-entry-missing: a ``PATH`` directory that does not exist in the image.
- CS408 user-unknown: ``User`` names a user that ``/etc/passwd`` does not list.

File checks resolve paths inside the image (symlinks followed, never on the host).
"""

from __future__ import annotations

import difflib
import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from closurescope.analysis.etc import DEFAULT_PATH, LIBC_RE
from closurescope.analysis.result import NodeSizes
from closurescope.config import Settings
from closurescope.model import (
    Closure,
    FileKind,
    FileTree,
    Finding,
    Fix,
    NodeId,
    Rule,
    RuleResult,
    Severity,
)


def _rule(num: int, name: str, summary: str, help_text: str, sev: Severity, scope: str) -> Rule:
    return Rule(
        id=f"CS{num}", name=name, summary=summary, help=help_text, severity=sev, scope=scope
    )


CS401 = _rule(
    401,
    "unknown-config-key",
    "The image config has a key the runtime ignores",
    "Runtimes read only the keys of the OCI/Docker image config; a misspelt key "
    "(Environment for Env, Entrypoints for Entrypoint) is silently ignored, so the "
    "setting never takes effect.",
    Severity.ERROR,
    "image",
)
CS402 = _rule(
    402,
    "config-wrong-type",
    "A config value has the wrong JSON type",
    "Env must be a list of K=V strings, Cmd and Entrypoint lists of strings, "
    "ExposedPorts, Volumes and Labels objects; runtimes reject or misread others.",
    Severity.ERROR,
    "image",
)
CS403 = _rule(
    403,
    "locale-missing",
    "LANG/LC_ALL is set but no locale archive is found",
    "glibc reads locales from a locale archive (LOCALE_ARCHIVE, or its own "
    "lib/locale/locale-archive). Without one, setlocale fails and programs fall "
    "back to ASCII: UTF-8 input breaks.",
    Severity.WARNING,
    "image",
)
CS404 = _rule(
    404,
    "ca-bundle-missing",
    "TLS libraries without a CA bundle",
    "TLS clients verify servers against a CA bundle (/etc/ssl/certs/ca-certificates"
    ".crt, SSL_CERT_FILE). Without one every HTTPS connection fails verification.",
    Severity.WARNING,
    "files",
)
CS405 = _rule(
    405,
    "name-lookup-files-missing",
    "Name-lookup code without /etc/services or /etc/nsswitch.conf",
    "getaddrinfo/getservbyname read /etc/services to turn service names into ports "
    "and /etc/nsswitch.conf to know where to look; without them lookups by name "
    "fail or behave differently.",
    Severity.WARNING,
    "files",
)
CS406 = _rule(
    406,
    "entrypoint-missing",
    "The Entrypoint/Cmd program is missing or not executable",
    "The container fails at start (exec: no such file, or permission denied).",
    Severity.ERROR,
    "image",
)
CS407 = _rule(
    407,
    "path-entry-missing",
    "A PATH directory does not exist in the image",
    "Programs found through PATH will not be found there; a leftover from another image or a typo.",
    Severity.INFO,
    "image",
)
CS408 = _rule(
    408,
    "user-unknown",
    "User names a user that /etc/passwd does not list",
    "A runtime resolves a User given by name through the image's /etc/passwd and "
    "refuses to start the container when it is not there.",
    Severity.ERROR,
    "image",
)

TOP_KEYS = (
    "architecture",
    "author",
    "comment",
    "config",
    "container",
    "container_config",
    "created",
    "docker_version",
    "history",
    "id",
    "os",
    "os.features",
    "os.version",
    "parent",
    "rootfs",
    "size",
    "variant",
)
CONFIG_KEYS = (
    "ArgsEscaped",
    "AttachStderr",
    "AttachStdin",
    "AttachStdout",
    "Cmd",
    "CpuShares",
    "Domainname",
    "Entrypoint",
    "Env",
    "ExposedPorts",
    "Healthcheck",
    "Hostname",
    "Image",
    "Labels",
    "MacAddress",
    "Memory",
    "MemorySwap",
    "NetworkDisabled",
    "OnBuild",
    "OpenStdin",
    "Shell",
    "StdinOnce",
    "StopSignal",
    "StopTimeout",
    "Tty",
    "User",
    "Volumes",
    "WorkingDir",
)
ALIASES = {
    "environment": "Env",
    "environ": "Env",
    "envs": "Env",
    "entrypoints": "Entrypoint",
    "command": "Cmd",
    "cmds": "Cmd",
    "commands": "Cmd",
    "workdir": "WorkingDir",
    "ports": "ExposedPorts",
    "expose": "ExposedPorts",
    "volume": "Volumes",
    "label": "Labels",
}
CA_BUNDLES = (
    "etc/ssl/certs/ca-certificates.crt",
    "etc/ssl/certs/ca-bundle.crt",
    "etc/pki/tls/certs/ca-bundle.crt",
    "etc/ssl/cert.pem",
    "etc/ssl/ca-bundle.pem",
)
LOCALE_ARCHIVES = ("usr/lib/locale/locale-archive", "lib/locale/locale-archive")
LOOKUPS = {"getaddrinfo", "getservbyname", "gethostbyname", "getprotobyname"}
TLS_MARKERS = {"SSL_CTX_new", "gnutls_"}


def suggest_key(key: str, known: Sequence[str]) -> str | None:
    """The key meant: same letters in another case, a known alias, else difflib's closest."""
    for k in known:
        if k.lower() == key.lower():
            return k
    alias = ALIASES.get(key.lower())
    if alias in known:
        return alias
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _exists(tree: FileTree, path: str, kind: FileKind | None = None) -> bool:
    res = tree.resolve(path.lstrip("/"))
    entry = tree.get(res.path) if res.status.value == "ok" else None
    if entry is None:
        return False
    return (
        kind is None
        or entry.kind is kind
        or (kind is FileKind.FILE and entry.kind is FileKind.HARDLINK)
    )


def _find(
    rule: Rule,
    settings: Settings,
    title: str,
    subjects: tuple[str, ...],
    fix: str,
    snippet: str | None = None,
    lang: str | None = None,
    evidence: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        rule_id=rule.id,
        severity=settings.severity(rule.id, rule.severity),
        title=title,
        subjects=subjects,
        evidence=evidence,
        fix=Fix(text=fix, snippet=snippet, snippet_lang=lang),
    )


def unknown_keys(raw: Mapping[str, Any], settings: Settings) -> list[Finding]:
    """CS401 for the top level and for ``config``."""
    out: list[Finding] = []
    places: list[tuple[str, Mapping[str, Any], Sequence[str]]] = [("", raw, TOP_KEYS)]
    for sub in ("config", "container_config"):
        if isinstance(raw.get(sub), dict):
            places.append((sub + ".", raw[sub], CONFIG_KEYS))
    for prefix, doc, known in places:
        for key in sorted(doc):
            if key in known:
                continue
            meant = suggest_key(key, known)
            hint = f"; did you mean {meant!r}?" if meant else ""
            fix = (
                f"Rename {key!r} to {meant!r} in the image config (the runtime ignores {key!r})."
                if meant
                else f"Remove {key!r}: no runtime reads it."
            )
            snippet = None
            if meant and prefix == "config.":
                snippet = f"# dockerTools.buildImage\nconfig = {{ {meant} = ...; }};"
            out.append(
                _find(
                    CS401,
                    settings,
                    f"unknown image config key {prefix}{key}{hint}",
                    (f"{prefix}{key}",),
                    fix,
                    snippet,
                    "nix" if snippet else None,
                )
            )
    return out


def wrong_types(raw: Mapping[str, Any], settings: Settings) -> list[Finding]:
    """CS402 for the typed keys of ``config``."""
    cfg = raw.get("config")
    out: list[Finding] = []
    if cfg is not None and not isinstance(cfg, dict):
        return [
            _find(
                CS402,
                settings,
                "config is not an object",
                ("config",),
                "Make config a JSON object.",
            )
        ]
    cfg = cfg or {}

    def bad(key: str, want: str, example: str) -> None:
        got = type(cfg[key]).__name__
        out.append(
            _find(
                CS402,
                settings,
                f"config.{key} is a {got}, not {want}",
                (f"config.{key}",),
                f"Write config.{key} as {want}, e.g. {example}.",
            )
        )

    def strings(v: object) -> bool:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)

    if "Env" in cfg and cfg["Env"] is not None:
        env = cfg["Env"]
        if not strings(env):
            bad("Env", "a list of K=V strings", '["LANG=C.UTF-8"]')
        else:
            for item in env:
                if "=" not in item or item.startswith("="):
                    out.append(
                        _find(
                            CS402,
                            settings,
                            f"config.Env entry {item!r} is not K=V",
                            ("config.Env",),
                            "Write every Env entry as NAME=value.",
                        )
                    )
    for key in ("Cmd", "Entrypoint", "Shell", "OnBuild"):
        if key in cfg and cfg[key] is not None and not strings(cfg[key]):
            bad(key, "a list of strings", '["/bin/app", "--flag"]')
    for key in ("ExposedPorts", "Volumes", "Labels"):
        if key in cfg and cfg[key] is not None and not isinstance(cfg[key], dict):
            bad(key, "an object", '{"8080/tcp": {}}' if key != "Labels" else '{"k": "v"}')
    if isinstance(cfg.get("Labels"), dict):
        for k, v in sorted(cfg["Labels"].items()):
            if not isinstance(v, str):
                out.append(
                    _find(
                        CS402,
                        settings,
                        f"label {k!r} is not a string",
                        ("config.Labels",),
                        "Label values are strings; quote the value.",
                    )
                )
    for key in ("User", "WorkingDir", "StopSignal"):
        if key in cfg and cfg[key] is not None and not isinstance(cfg[key], str):
            bad(key, "a string", '"1000:1000"' if key == "User" else '"/app"')
    return out


def _markers(closure: Closure) -> tuple[set[str], list[str]]:
    """Markers of every scanned file except the C library's, and the TLS library files."""
    seen: set[str] = set()
    for path, found in closure.file_markers.items():
        if not LIBC_RE.match(path.rsplit("/", 1)[-1]):
            seen |= found
    tree = closure.files
    tls = sorted(
        e.path
        for e in (tree.entries.values() if tree is not None else ())
        if e.kind in (FileKind.FILE, FileKind.HARDLINK)
        and e.name.startswith(("libssl.so", "libgnutls.so", "libcrypto.so"))
    )
    return seen, tls


def file_checks(closure: Closure, settings: Settings) -> list[Finding]:
    """CS403–CS408."""
    tree = closure.files
    cfg = closure.config
    if tree is None:
        return []
    out: list[Finding] = []
    env = cfg.env_map if cfg else {}
    markers, tls_libs = _markers(closure)
    # CS403
    lang = env.get("LC_ALL") or env.get("LANG")
    if cfg is not None and lang and lang not in ("C", "POSIX", "C.UTF-8", "C.utf8"):
        var = "LC_ALL" if env.get("LC_ALL") else "LANG"
        archive = env.get("LOCALE_ARCHIVE")
        archives = sorted(e.path for e in tree.entries.values() if e.name == "locale-archive")
        if archive and not _exists(tree, archive, FileKind.FILE):
            out.append(
                _find(
                    CS403,
                    settings,
                    f"LOCALE_ARCHIVE points to {archive}, which the image does not have",
                    ("Env LOCALE_ARCHIVE",),
                    "Point LOCALE_ARCHIVE at the archive of a glibcLocales in the image.",
                    'Env = [ "LOCALE_ARCHIVE=${pkgs.glibcLocales}/lib/locale/locale-archive" ];',
                    "nix",
                )
            )
        elif not archive and not any(_exists(tree, a) for a in LOCALE_ARCHIVES):
            where = (
                f" (only {', '.join(archives)}, which glibc does not look at)" if archives else ""
            )
            out.append(
                _find(
                    CS403,
                    settings,
                    f"{var}={lang} but no locale archive is found{where}; LOCALE_ARCHIVE is unset",
                    (f"Env {var}",),
                    f"Add a locale archive and set LOCALE_ARCHIVE, or use {var}=C.UTF-8 "
                    "(built into glibc ≥ 2.35).",
                    "copyToRoot = [ pkgs.glibcLocales ];\nconfig.Env = [ "
                    '"LOCALE_ARCHIVE=${pkgs.glibcLocales}/lib/locale/locale-archive" ];',
                    "nix",
                )
            )
    # CS404
    uses_tls = bool(tls_libs) or bool(markers & TLS_MARKERS)
    for var in ("SSL_CERT_FILE", "NIX_SSL_CERT_FILE"):
        if var in env and not _exists(tree, env[var], FileKind.FILE):
            out.append(
                _find(
                    CS404,
                    settings,
                    f"{var} points to {env[var]}, which the image does not have",
                    (f"Env {var}",),
                    f"Point {var} at a CA bundle in the image (cacert's "
                    "etc/ssl/certs/ca-bundle.crt).",
                    "copyToRoot = [ pkgs.cacert ];",
                    "nix",
                )
            )
    if (
        uses_tls
        and not any(_exists(tree, b, FileKind.FILE) for b in CA_BUNDLES)
        and not any(v in env for v in ("SSL_CERT_FILE", "NIX_SSL_CERT_FILE"))
    ):
        ev = tuple(tls_libs[:3]) or ("SSL_CTX_new in a program",)
        out.append(
            _find(
                CS404,
                settings,
                "TLS libraries but no CA bundle in the image",
                ("etc/ssl/certs",),
                "Add a CA bundle (cacert / ca-certificates).",
                "copyToRoot = [ pkgs.cacert ];",
                "nix",
                ev,
            )
        )
    # CS405
    lookups = sorted(markers & LOOKUPS)
    if lookups:
        for name in ("services", "nsswitch.conf"):
            if not _exists(tree, f"etc/{name}", FileKind.FILE):
                out.append(
                    _find(
                        CS405,
                        settings,
                        f"name lookups ({', '.join(lookups)}) but no /etc/{name}",
                        (f"etc/{name}",),
                        f"Add /etc/{name} (iana-etc for services, a one-line "
                        "nsswitch.conf 'hosts: files dns').",
                        "copyToRoot = [ pkgs.iana-etc pkgs.dockerTools.fakeNss ];",
                        "nix",
                    )
                )
    if cfg is None:
        return out
    # CS406
    argv = cfg.entrypoint or cfg.cmd or ()
    path_var = env.get("PATH") or DEFAULT_PATH
    if argv:
        prog = argv[0]
        cands = [prog] if "/" in prog else [posixpath.join(d, prog) for d in path_var.split(":")]
        hits = [c for c in cands if _exists(tree, c, FileKind.FILE)]
        if not hits:
            out.append(
                _find(
                    CS406,
                    settings,
                    f"the entry point {prog} is not in the image",
                    (prog,),
                    "Fix the path in Entrypoint/Cmd, or add the program to the image.",
                )
            )
        else:
            res = tree.resolve(hits[0].lstrip("/"))
            entry = tree.get(res.path)
            if entry is not None and not entry.is_executable:
                out.append(
                    _find(
                        CS406,
                        settings,
                        f"the entry point {prog} is not executable (mode {entry.mode:o})",
                        (prog,),
                        "Make it executable (chmod 0755 when building the image).",
                        f"RUN chmod 0755 {hits[0]}",
                        "dockerfile",
                    )
                )
    # CS407
    if "PATH" in env:
        for d in env["PATH"].split(":"):
            if d and not _exists(tree, d, FileKind.DIR):
                out.append(
                    _find(
                        CS407,
                        settings,
                        f"PATH entry {d} does not exist in the image",
                        (d,),
                        f"Remove {d} from PATH or add it to the image.",
                    )
                )
    # CS408
    user = (cfg.user or "").split(":")[0]
    if user and not user.isdigit():
        res = tree.resolve("etc/passwd")
        found = (
            closure.file_markers.get(res.path, frozenset()) if res.status.value == "ok" else None
        )
        if found is None or f"passwd:{user}" not in found:
            what = "there is no /etc/passwd" if found is None else "/etc/passwd does not list it"
            out.append(
                _find(
                    CS408,
                    settings,
                    f"User {user} is not a known user: {what}",
                    ("etc/passwd",),
                    f"Add {user} to /etc/passwd or use a numeric uid:gid.",
                    'config.User = "1000:1000";',
                    "nix",
                )
            )
    return out


class ConfigLint:
    """The CS4xx detector."""

    rules: Sequence[Rule] = (CS401, CS402, CS403, CS404, CS405, CS406, CS407, CS408)

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        del sizes
        out: list[Finding] = []
        if closure.config is not None and closure.config.raw:
            out += unknown_keys(closure.config.raw, settings)
            out += wrong_types(closure.config.raw, settings)
        out += file_checks(closure, settings)
        return out, ()


DETECTOR = ConfigLint()
