"""Derive newer `nix path-info --json` shapes and closureInfo files from real Nix 2.8 output.

Usage: ``python3 derive_shapes.py OUTDIR`` (make.sh runs it). Stdlib only.

Inputs (written by make.sh with the real Nix 2.8 commands), per root ``R``:

- ``R.path-info-S.json``: ``nix path-info --json -r -S R`` (Nix <= 2.18 list shape);
- ``R.closure-attrs.json``: the ``.attrs.json`` of a real ``__structuredAttrs`` derivation with
  ``exportReferencesGraph.closure = [ R ]`` (what ``pkgs.closureInfo`` reads).

Outputs, per root (shapes from ANCHORS.md section 4.2 and nixpkgs ``closure-info.nix``):

- ``R.path-info-S.nix-2.19.json``: object keyed by absolute store path; absent fields omitted
  (``ca``, ``deriver``, ``registrationTime`` when 0, ``ultimate`` when false, ``signatures`` when
  empty), as Nix 2.19-2.22 prints;
- ``R.path-info-S.nix-2.23.json``: same keys, absent values as ``null``, ``ultimate`` always a
  bool, ``signatures`` always a list (Nix 2.23-2.32);
- ``R.path-info-S.json-format-1.json``: 2.23 shape plus ``"version": 1`` and ``"storeDir"`` in
  every object (Nix >= 2.33 ``--json-format 1``);
- ``R.path-info-S.json-format-2.json``: ``{"version": 2, "storeDir": ..., "info": {...}}`` keyed by
  store path base names, ``references``/``deriver`` as base names, ``ca`` structured or ``null``
  (Nix >= 2.33 ``--json-format 2``);
- ``R.registration``, ``R.store-paths``, ``R.total-nar-size``: what ``pkgs.closureInfo`` writes,
  computed from ``R.closure-attrs.json`` with closure-info.nix's jq rules.

Nix prints JSON with nlohmann::json: keys sorted, no spaces; so do we (plus a final newline).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

STORE_DIR = "/nix/store"
ROOTS = ("app-image-root-full", "app-image-root-minimal", "app-image-root-full-v2")
OPTIONAL_IMPURE = ("deriver", "registrationTime", "ultimate", "signatures")


def dump(value: object) -> str:
    """Serialise like nlohmann::json's ``dump()``: sorted keys, compact; newline-terminated."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"


def base_name(path: str) -> str:
    """``/nix/store/<hash>-<name>`` -> ``<hash>-<name>``."""
    prefix = STORE_DIR + "/"
    if not path.startswith(prefix):
        raise ValueError(f"not a store path: {path}")
    return path[len(prefix) :]


def structured_ca(ca: str | None) -> dict[str, str] | None:
    """Render a legacy ``ca`` string (``fixed:r:sha256:...``, ``text:sha256:...``) structured."""
    if ca is None:
        return None
    kind, _, rest = ca.partition(":")
    if kind == "text":
        return {"method": "text", "hash": rest}
    if kind == "fixed":
        if rest.startswith("r:"):
            return {"method": "nar", "hash": rest[2:]}
        return {"method": "flat", "hash": rest}
    raise ValueError(f"unknown content address: {ca}")


def legacy_entries(path_info: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sorted list-shape entries (``valid: false`` ones kept, they become ``null``)."""
    return sorted(path_info, key=lambda e: str(e["path"]))


def shape_2_19(path_info: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for entry in legacy_entries(path_info):
        if entry.get("valid", True) is False:
            out[entry["path"]] = None
            continue
        obj = {k: v for k, v in entry.items() if k not in ("path", "valid")}
        out[entry["path"]] = obj
    return out


def shape_2_23(path_info: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, obj in shape_2_19(path_info).items():
        if obj is None:
            out[path] = None
            continue
        new = dict(obj)
        new.setdefault("ca", None)
        new.setdefault("deriver", None)
        new.setdefault("registrationTime", None)
        new.setdefault("ultimate", False)
        new.setdefault("signatures", [])
        out[path] = new
    return out


def shape_format_1(path_info: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path, obj in shape_2_23(path_info).items():
        out[path] = None if obj is None else {**obj, "version": 1, "storeDir": STORE_DIR}
    return out


def shape_format_2(path_info: list[dict[str, Any]]) -> dict[str, Any]:
    info: dict[str, Any] = {}
    for path, obj in shape_2_23(path_info).items():
        if obj is None:
            info[base_name(path)] = None
            continue
        new = dict(obj)
        new["references"] = [base_name(r) for r in obj["references"]]
        new["deriver"] = None if obj["deriver"] is None else base_name(obj["deriver"])
        new["ca"] = structured_ca(obj["ca"])
        info[base_name(path)] = new
    return {"version": 2, "storeDir": STORE_DIR, "info": info}


def registration(closure: list[dict[str, Any]]) -> str:
    """closure-info.nix: ``map([.path, .narHash, .narSize, "", (.references|length)] +
    .references) | add | map("\\(.)\\n") | add`` through ``jq -r | head -n -1``."""
    lines: list[str] = []
    for entry in closure:
        refs = [str(r) for r in entry["references"]]
        lines += [str(entry["path"]), str(entry["narHash"]), str(entry["narSize"]), ""]
        lines += [str(len(refs)), *refs]
    return "".join(line + "\n" for line in lines)


def derive(outdir: Path, root: str) -> None:
    path_info = json.loads((outdir / f"{root}.path-info-S.json").read_text())
    if not isinstance(path_info, list):
        raise ValueError(f"{root}.path-info-S.json is not the Nix 2.8 list shape")
    shapes = {
        "nix-2.19": shape_2_19(path_info),
        "nix-2.23": shape_2_23(path_info),
        "json-format-1": shape_format_1(path_info),
        "json-format-2": shape_format_2(path_info),
    }
    for shape, value in shapes.items():
        (outdir / f"{root}.path-info-S.{shape}.json").write_text(dump(value))

    attrs = json.loads((outdir / f"{root}.closure-attrs.json").read_text())
    closure: list[dict[str, Any]] = attrs["closure"]
    (outdir / f"{root}.registration").write_text(registration(closure))
    (outdir / f"{root}.store-paths").write_text("".join(f"{e['path']}\n" for e in closure))
    total = sum(int(e["narSize"]) for e in closure)
    (outdir / f"{root}.total-nar-size").write_text(f"{total}\n")


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: derive_shapes.py OUTDIR\n")
        return 2
    outdir = Path(argv[1])
    for root in ROOTS:
        derive(outdir, root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
