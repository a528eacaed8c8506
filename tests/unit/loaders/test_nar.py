"""NAR sizes computed from a FileTree equal what real Nix serialises.

Each SPEC is a tiny tree. Its expected size was measured once with Nix 2.8.0
(``nix-store --add DIR`` then ``nix-store --dump PATH | wc -c``) and is committed here, so the
test runs without Nix; the ``needs_nix`` tests re-measure with the real tool every time.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from closurescope.loaders._nar import nar_size, str_size
from closurescope.model import FileEntry, FileKind, FileTree, FileTreeBuilder

# (path, kind, payload, executable): kind "file" (payload bytes), "dir", "link" (payload target),
# "hard" (payload = path of the file it shares its inode with)
Spec = tuple[tuple[str, str, bytes | str | None, bool], ...]

SPECS: dict[str, tuple[Spec, int]] = {
    # measured: nix-store --dump $(nix-store --add DIR) | wc -c, Nix 2.8.0
    "odd-names": (
        (
            ("empty", "file", b"", False),
            ("n7_abcd", "file", b"abcdefg", False),
            ("n8_abcde", "file", b"x", False),
            ("sub", "dir", None, False),
            ("sub/empty", "dir", None, False),
            ("sub/lnk", "link", "../n7_abcd", False),
            ("sub/run", "file", b"#!/bin/sh\n", True),
            ("sub/n9_abcdef", "file", b"nine....9", False),
        ),
        1640,
    ),
    "empty-dir": ((), 96),
    "lengths": (
        tuple(
            (f"{'f' * n}", "file", b"z" * n, n % 2 == 1)
            for n in (1, 7, 8, 9, 15, 16, 17, 63, 64, 65)
        ),
        2672,
    ),
    "nested": (
        (
            ("a", "dir", None, False),
            ("a/b", "dir", None, False),
            ("a/b/c", "dir", None, False),
            ("a/b/c/d", "file", b"deep\n", False),
            ("a/b/c/e", "link", "/nix/store/00000000000000000000000000000000-x/bin/y", False),
            ("a/B", "file", b"upper", True),
            ("a/\u00e9t\u00e9", "file", b"utf-8 name", False),
            ("z", "link", "a", False),
        ),
        1648,
    ),
    "hardlinks": (
        (
            ("one", "file", b"shared content, 29 bytes long", True),
            ("two", "hard", "one", True),
            ("sub", "dir", None, False),
            ("sub/three", "hard", "one", True),
        ),
        1008,
    ),
}


def tree_from_spec(spec: Spec, top: str = "top") -> FileTree:
    """A FileTree with the spec under ``top`` (executables 0o555, others 0o444 as in a store)."""
    builder = FileTreeBuilder()
    builder.add(FileEntry(path=top, kind=FileKind.DIR, mode=0o555))
    sizes: dict[str, int] = {}
    for path, kind, payload, executable in spec:
        full = f"{top}/{path}"
        mode = 0o555 if executable else 0o444
        if kind == "file":
            assert isinstance(payload, bytes)
            sizes[full] = len(payload)
            builder.add(FileEntry(path=full, kind=FileKind.FILE, size=len(payload), mode=mode))
        elif kind == "dir":
            builder.add(FileEntry(path=full, kind=FileKind.DIR, mode=0o555))
        elif kind == "link":
            assert isinstance(payload, str)
            builder.add(
                FileEntry(path=full, kind=FileKind.SYMLINK, mode=0o777, link_target=payload)
            )
        else:
            assert isinstance(payload, str)
            builder.add(
                FileEntry(
                    path=full, kind=FileKind.HARDLINK, mode=mode, link_target=f"{top}/{payload}"
                )
            )
    return builder.build()


def materialise(spec: Spec, root: Path) -> None:
    """Write the spec to the host under ``root`` (for real Nix to add)."""
    root.mkdir()
    for path, kind, payload, executable in spec:
        target = root / path
        if kind == "file":
            assert isinstance(payload, bytes)
            target.write_bytes(payload)
            target.chmod(0o755 if executable else 0o644)
        elif kind == "dir":
            target.mkdir()
        elif kind == "link":
            assert isinstance(payload, str)
            target.symlink_to(payload)
        else:
            assert isinstance(payload, str)
            os.link(root / payload, target)


def tree_from_host(root: Path, top: str) -> FileTree:
    """Read a host directory with lstat only (hardlinks by inode), as an image tree would be."""
    builder = FileTreeBuilder()
    seen: dict[tuple[int, int], str] = {}

    def visit(host: Path, path: str) -> None:
        st = host.lstat()
        mode = stat.S_IMODE(st.st_mode)
        if stat.S_ISDIR(st.st_mode):
            builder.add(FileEntry(path=path, kind=FileKind.DIR, mode=mode))
            for child in sorted(os.listdir(host)):
                visit(host / child, f"{path}/{child}")
        elif stat.S_ISLNK(st.st_mode):
            builder.add(
                FileEntry(
                    path=path, kind=FileKind.SYMLINK, mode=mode, link_target=os.readlink(host)
                )
            )
        else:
            key = (st.st_dev, st.st_ino)
            if key in seen:
                builder.add(
                    FileEntry(path=path, kind=FileKind.HARDLINK, mode=mode, link_target=seen[key])
                )
            else:
                seen[key] = path
                builder.add(FileEntry(path=path, kind=FileKind.FILE, size=st.st_size, mode=mode))

    visit(root, top)
    return builder.build()


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def nix_env() -> dict[str, str]:
    return {**os.environ, "NIX_USER_CONF_FILES": ""}


def nix_dump_size(store_path: str) -> int:
    out = subprocess.run(
        ["nix-store", "--dump", store_path], check=True, capture_output=True, env=nix_env()
    ).stdout
    return len(out)


def nix_add(path: Path) -> str:
    return subprocess.run(
        ["nix-store", "--add", str(path)], check=True, capture_output=True, text=True, env=nix_env()
    ).stdout.strip()


def test_str_size_pads_to_eight() -> None:
    assert [str_size(n) for n in (0, 1, 7, 8, 9, 16, 17)] == [8, 16, 16, 16, 24, 24, 32]


@pytest.mark.parametrize("name", sorted(SPECS))
def test_nar_size_matches_committed_nix_measurement(name: str) -> None:
    spec, expected = SPECS[name]
    assert nar_size(tree_from_spec(spec), "top") == expected


def test_single_file_symlink_and_empty_dir_tops() -> None:
    # measured with Nix 2.8.0: an empty file 112, a symlink to "some/where" 128, an empty dir 96
    builder = FileTreeBuilder()
    builder.add(FileEntry(path="nix/store/f", kind=FileKind.FILE, size=0, mode=0o444))
    builder.add(
        FileEntry(path="nix/store/l", kind=FileKind.SYMLINK, mode=0o777, link_target="some/where")
    )
    builder.add(FileEntry(path="nix/store/d", kind=FileKind.DIR, mode=0o555))
    tree = builder.build()
    assert nar_size(tree, "nix/store/f") == 112
    assert nar_size(tree, "nix/store/l") == 128
    assert nar_size(tree, "nix/store/d") == 96


def test_executable_bit_is_owner_execute_only() -> None:
    builder = FileTreeBuilder()
    builder.add(FileEntry(path="a", kind=FileKind.FILE, size=3, mode=0o644))
    builder.add(FileEntry(path="b", kind=FileKind.FILE, size=3, mode=0o744))
    builder.add(FileEntry(path="c", kind=FileKind.FILE, size=3, mode=0o655))
    tree = builder.build()
    assert nar_size(tree, "b") == nar_size(tree, "a") + 32  # "executable" "" tokens
    assert nar_size(tree, "c") == nar_size(tree, "a")


def test_missing_and_unserialisable_tops_raise() -> None:
    builder = FileTreeBuilder()
    builder.add(FileEntry(path="dev/null", kind=FileKind.CHAR, mode=0o666))
    tree = builder.build()
    with pytest.raises(KeyError):
        nar_size(tree, "nope")
    with pytest.raises(ValueError, match="cannot be serialised"):
        nar_size(tree, "dev/null")


@pytest.mark.needs_nix
@pytest.mark.skipif(not have("nix-store"), reason="nix-store is not installed")
@pytest.mark.parametrize("name", sorted(SPECS))
def test_nar_size_equals_real_nix(name: str, tmp_path: Path) -> None:
    spec, expected = SPECS[name]
    host = tmp_path / name
    materialise(spec, host)
    store_path = nix_add(host)
    real = nix_dump_size(store_path)
    assert real == expected  # the committed number is still what Nix says
    assert nar_size(tree_from_spec(spec), "top") == real
    assert nar_size(tree_from_host(Path(store_path), "top"), "top") == real
    info = subprocess.run(
        ["nix", "path-info", "--json", store_path],
        capture_output=True,
        text=True,
        env={**nix_env(), "NIX_CONFIG": "experimental-features = nix-command"},
    )
    if info.returncode == 0:
        import json

        assert json.loads(info.stdout)[0]["narSize"] == real


@pytest.mark.needs_nix
@pytest.mark.skipif(not have("nix-store"), reason="nix-store is not installed")
def test_nar_size_of_real_store_paths() -> None:
    """Every store path on this machine (up to 200): our size equals nix-store --dump."""
    store = Path("/nix/store")
    if not store.is_dir():
        pytest.skip("no /nix/store")
    paths = sorted(
        p
        for p in store.iterdir()
        if len(p.name) > 33 and p.name[32] == "-" and not p.name.endswith((".lock", ".drv"))
    )[:200]
    if not paths:
        pytest.skip("the store is empty")
    for path in paths:
        tree = tree_from_host(path, "top")
        assert nar_size(tree, "top") == nix_dump_size(str(path)), path
