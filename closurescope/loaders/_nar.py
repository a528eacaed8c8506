"""The exact size of a NAR (Nix ARchive) serialisation of a subtree of a FileTree.

A store path's ``narSize`` (``nix path-info``) is the length of ``nix-store --dump PATH``.
The NAR format (Nix's ``src/libutil/archive.cc``) writes every string as a little-endian u64
length followed by the bytes, zero-padded to a multiple of 8; a file's contents are written
the same way. The grammar::

    nar      = str("nix-archive-1") node
    node     = str("(") str("type") body str(")")
    regular  = str("regular") [str("executable") str("")] str("contents") str(CONTENTS)
    symlink  = str("symlink") str("target") str(TARGET)
    directory= str("directory") { str("entry") str("(") str("name") str(NAME)
                                   str("node") node str(")") }   -- entries sorted by name bytes

Only sizes are computed here, so the order of entries does not matter; no bytes are produced.
The executable flag is Nix's test, ``st_mode & S_IXUSR``. A hardlink entry counts its
target's contents again (as ``nix-store --dump`` and dockerTools see two files). Devices,
FIFOs and sockets cannot be in a NAR (Nix refuses to add them); they are left out.
"""

from __future__ import annotations

from closurescope.model import FileEntry, FileKind, FileTree


def str_size(length: int) -> int:
    """Bytes a NAR string of ``length`` bytes takes: u64 length prefix + bytes padded to 8."""
    return 8 + ((length + 7) & ~7)


_HEADER = str_size(len(b"nix-archive-1"))
_OPEN = str_size(1)  # "("
_CLOSE = str_size(1)  # ")"
_TYPE = str_size(4)  # "type"
# "(" "type" "regular" "contents" <u64 length> ... ")"
_REGULAR = _OPEN + _TYPE + str_size(7) + str_size(8) + 8 + _CLOSE
_EXECUTABLE = str_size(10) + str_size(0)  # "executable" ""
# "(" "type" "symlink" "target" <str> ")"
_SYMLINK = _OPEN + _TYPE + str_size(7) + str_size(6) + _CLOSE
# "(" "type" "directory" ... ")"
_DIRECTORY = _OPEN + _TYPE + str_size(9) + _CLOSE
# "entry" "(" "name" <str> "node" <node> ")"
_ENTRY = str_size(5) + _OPEN + str_size(4) + str_size(4) + _CLOSE

_S_IXUSR = 0o100


def _encoded_len(text: str) -> int:
    """Length in bytes of an in-image name or link target as the archive held it."""
    return len(text.encode("utf-8", "surrogateescape"))


def _padded(length: int) -> int:
    return (length + 7) & ~7


def _regular_size(tree: FileTree, entry: FileEntry) -> int | None:
    """NAR node size of a regular file (or of the file a hardlink shares content with)."""
    if entry.kind is FileKind.HARDLINK:
        target = tree.get(entry.link_target or "")
        seen = 0
        while target is not None and target.kind is FileKind.HARDLINK and seen < len(tree):
            target = tree.get(target.link_target or "")
            seen += 1
        if target is None or target.kind is not FileKind.FILE:
            # a link to something not in the tree: its size is unknown, its mode ours
            size = entry.size
            mode = entry.mode
        else:
            size = target.size
            mode = target.mode
    else:
        size = entry.size
        mode = entry.mode
    total = _REGULAR + _padded(size)
    if mode & _S_IXUSR:
        total += _EXECUTABLE
    return total


def node_size(tree: FileTree, entry: FileEntry) -> int | None:
    """NAR size of one node alone (a directory without its children); None if not NAR-able."""
    if entry.kind in (FileKind.FILE, FileKind.HARDLINK):
        return _regular_size(tree, entry)
    if entry.kind is FileKind.SYMLINK:
        return _SYMLINK + str_size(_encoded_len(entry.link_target or ""))
    if entry.kind is FileKind.DIR:
        return _DIRECTORY
    return None


def nar_size(tree: FileTree, top_path: str) -> int:
    """The exact length of ``nix-store --dump`` of the subtree at ``top_path``.

    ``top_path`` is an in-image path (``nix/store/<hash>-<name>``): a regular file, a
    symlink or a directory. Raises KeyError when it is not in the tree and ValueError when
    it is a device, FIFO or socket (which a NAR cannot hold).
    """
    top = tree.get(top_path)
    if top is None:
        raise KeyError(top_path)
    own = node_size(tree, top)
    if own is None:
        raise ValueError(f"{top_path}: a {top.kind.value} cannot be serialised as a NAR")
    total = _HEADER + own
    if top.kind is not FileKind.DIR:
        return total
    for entry in tree.walk(top_path):
        size = node_size(tree, entry)
        if size is None:
            continue
        total += _ENTRY + str_size(_encoded_len(entry.name)) + size
    return total


__all__ = ["nar_size", "node_size", "str_size"]
