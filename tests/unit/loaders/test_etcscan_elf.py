"""The etc-marker scanner skips ELF machine code: same markers on real ELF files, hand-made
headers for both classes and byte orders, and the conservative fallbacks."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from closurescope.loaders._etcscan import (
    _TAIL,
    EtcScanner,
    code_ranges,
    find_markers,
    scan_chunks,
)
from closurescope.model import FileEntry, FileKind

REAL_ELF = [
    Path("/usr/bin/getent"),
    Path("/lib/x86_64-linux-gnu/libc.so.6"),
    Path("/usr/bin/python3"),
    Path("/usr/bin/ls"),
]

PT_LOAD, PT_DYNAMIC, PF_X, PF_R = 1, 2, 1, 4


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def scanned(chunks: list[bytes]) -> tuple[frozenset[str], int]:
    """Markers of one file given as chunks, and the bytes the scanner searched."""
    scanner = EtcScanner(scan_all=True)
    sink = scanner.begin(0, "f", FileEntry(path="f", kind=FileKind.FILE))
    assert sink is not None
    for chunk in chunks:
        sink.update(chunk)
    sink.end()
    return scanner.versions().get("f", {}).get(0, frozenset()), scanner.bytes_scanned


def elf(
    cls: int, order: int, phdrs: list[tuple[int, int, int, int]], size: int = 0x3000
) -> bytearray:
    """A zero-filled ELF file of ``size`` bytes whose program headers are ``phdrs``
    (p_type, p_flags, p_offset, p_filesz), right after the ELF header."""
    end = "<" if order == 1 else ">"
    ehsize, phentsize = (0x34, 0x20) if cls == 1 else (0x40, 0x38)
    out = bytearray(size)
    out[:6] = b"\x7fELF" + bytes([cls, order])
    if cls == 1:
        struct.pack_into(end + "I", out, 0x1C, ehsize)
        struct.pack_into(end + "HH", out, 0x2A, phentsize, len(phdrs))
    else:
        struct.pack_into(end + "Q", out, 0x20, ehsize)
        struct.pack_into(end + "HH", out, 0x36, phentsize, len(phdrs))
    for i, (p_type, flags, offset, filesz) in enumerate(phdrs):
        at = ehsize + i * phentsize
        if cls == 1:
            struct.pack_into(
                end + "8I", out, at, p_type, offset, offset, offset, filesz, filesz, flags, 0x1000
            )
        else:
            struct.pack_into(
                end + "IIQQQQQQ",
                out,
                at,
                p_type,
                flags,
                offset,
                offset,
                offset,
                filesz,
                filesz,
                0x1000,
            )
    return out


@pytest.mark.parametrize("path", REAL_ELF, ids=lambda p: p.name)
def test_real_elf_files_same_markers_with_code_skipped(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"{path} is not on this machine")
    data = path.read_bytes()
    # GIVEN a real program or library of this machine: its code segment is found
    ranges = code_ranges(data[:4096])
    assert ranges, "a separate-code ELF file has a skippable executable segment"
    # WHEN scanned in chunks of several sizes (the header always in the first chunk)
    for size in (4096, 65536, 1 << 20):
        found, searched = scanned(chunked(data, size))
        # THEN the markers equal the plain substring search over all the bytes, and the code
        # (all but a margin of _TAIL bytes at each end of the range) was not searched
        assert found == find_markers(data)
        skipped = sum(end - start - 2 * _TAIL for start, end in ranges)
        assert searched == len(data) - skipped


def test_libc_markers_are_really_there() -> None:
    libc = Path("/lib/x86_64-linux-gnu/libc.so.6")
    if not libc.is_file():
        pytest.skip("no x86-64 glibc here")
    # libc defines every lookup it is scanned for: the skip must not lose them
    found, _ = scanned(chunked(libc.read_bytes(), 1 << 20))
    assert {"getaddrinfo", "getpwnam", "setlocale", "tzset", "/etc/hosts"} <= found


@pytest.mark.parametrize(("cls", "order"), [(1, 1), (1, 2), (2, 1), (2, 2)])
def test_hand_made_header_skips_only_the_code_with_a_margin(cls: int, order: int) -> None:
    # GIVEN an ELF file (every class and byte order) with a code segment 0x1000-0x2000
    data = elf(cls, order, [(PT_LOAD, PF_R, 0, 0x800), (PT_LOAD, PF_R | PF_X, 0x1000, 0x1000)])
    assert code_ranges(bytes(data)) == ((0x1000, 0x2000),)
    # markers: before, straddling the start, deep inside, straddling the end, after
    data[0x900:0x90B] = b"getaddrinfo"
    data[0x1000 - 4 : 0x1000 + 4] = b"getpwnam"
    data[0x1800:0x1805] = b"tzset"
    data[0x2000 - 5 : 0x2000 + 4] = b"setlocale"
    data[0x2800:0x280A] = b"/etc/hosts"
    # and a false join: the bytes before and after the unscanned middle must not meet
    data[0x1000 + _TAIL - 3 : 0x1000 + _TAIL] = b"get"
    data[0x2000 - _TAIL : 0x2000 - _TAIL + 5] = b"grnam"
    for size in (0x1000, 0x3000, 0x700):
        # WHEN scanned; THEN everything but the marker deep inside the code is found
        found, searched = scanned(chunked(bytes(data), size))
        assert found == {"getaddrinfo", "getpwnam", "setlocale", "/etc/hosts"}
        assert searched == 0x3000 - (0x1000 - 2 * _TAIL)
    assert find_markers(bytes(data)) == {
        "getaddrinfo",
        "getpwnam",
        "tzset",
        "setlocale",
        "/etc/hosts",
    }


def test_conservative_fallbacks_scan_everything() -> None:
    code = (PT_LOAD, PF_R | PF_X, 0x1000, 0x1000)
    # code and headers in one segment (old layout, Go): not skipped
    assert code_ranges(bytes(elf(2, 1, [(PT_LOAD, PF_R | PF_X, 0, 0x2000)]))) == ()
    # another segment's bytes (here PT_DYNAMIC) inside the executable one: not skipped
    assert code_ranges(bytes(elf(2, 1, [code, (PT_DYNAMIC, PF_R, 0x1800, 0x100)]))) == ()
    # program headers beyond the first chunk, a truncated header, a bad class, not ELF
    whole = bytes(elf(2, 1, [code]))
    assert code_ranges(whole) == ((0x1000, 0x2000),)
    assert code_ranges(whole[:0x50]) == ()
    assert code_ranges(whole[:0x20]) == ()
    assert code_ranges(whole[:4] + b"\x07" + whole[5:]) == ()
    assert code_ranges(b"#!/bin/sh\n" + whole) == ()
    # a code segment too small to shrink by the margin is scanned whole
    tiny = bytearray(elf(2, 1, [(PT_LOAD, PF_R | PF_X, 0x1000, 0x20)]))
    tiny[0x1008:0x100D] = b"tzset"
    assert scanned([bytes(tiny)]) == (frozenset({"tzset"}), 0x3000)
    # a first chunk too short for the program headers: the whole file is scanned
    marked = bytearray(whole)
    marked[0x1800:0x1805] = b"tzset"
    assert scan_chunks(chunked(bytes(marked), 0x40)) == {"tzset"}
    assert scan_chunks([bytes(marked)]) == frozenset()


def test_unwind_tables_after_the_read_only_data_are_skipped() -> None:
    # GIVEN code at 0x1000-0x2000, then .rodata and the unwind tables (PT_GNU_EH_FRAME at
    # 0x2800) in a read-only segment 0x2000-0x3000
    eh = (0x6474E550, PF_R, 0x2800, 0x40)
    phdrs = [(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000), (PT_LOAD, PF_R, 0x2000, 0x1000), eh]
    data = elf(2, 1, phdrs, size=0x3100)
    assert code_ranges(bytes(data)) == ((0x1000, 0x2000), (0x2800, 0x3000))
    data[0x2100:0x2105] = b"tzset"  # .rodata: found
    data[0x2900:0x2908] = b"getpwnam"  # inside the unwind tables: not searched
    data[0x3010:0x301A] = b"/etc/hosts"  # after the segment (.symtab, say): found
    found, searched = scanned(chunked(bytes(data), 0x1000))
    assert found == {"tzset", "/etc/hosts"}
    assert searched == 0x3100 - (0x1000 - 2 * _TAIL) - (0x800 - 2 * _TAIL)
    # WHEN the header sits in the executable segment (old layout), or shares its range with
    # another segment's bytes: THEN the unwind tables are searched
    old = [(PT_LOAD, PF_R | PF_X, 0, 0x3000), eh]
    assert code_ranges(bytes(elf(2, 1, old, size=0x3100))) == ()
    shared = [*phdrs, (PT_DYNAMIC, PF_R, 0x2C00, 0x100)]
    assert code_ranges(bytes(elf(2, 1, shared, size=0x3100))) == ((0x1000, 0x2000),)
    two = [*phdrs, (0x6474E550, PF_R, 0x2900, 0x40)]
    assert code_ranges(bytes(elf(2, 1, two, size=0x3100))) == ((0x1000, 0x2000),)
