"""The Nix registration text → Closure.

Three producers write the same record layout (one field per line, records back to back):

* ``nix-store --dump-db`` and ``pkgs.closureInfo``'s ``registration`` (with hash)::

      <store path>
      <narHash>     sha256:<nix32>, SRI sha256-<base64> or bare base16
      <narSize>
      <deriver>     an absolute .drv path, or an empty line
      <N>
      <N references, one per line>

* the plain (non-structured) ``exportReferencesGraph`` file (no hash, no size)::

      <store path>
      <deriver>     an empty line
      <N>
      <N references>

The variant is read off the first record (is its second line a hash?) and then required of
every record; anything that does not add up is a LoadError naming the line.
"""

from __future__ import annotations

from dataclasses import dataclass

from closurescope.errors import LoadError
from closurescope.loaders._nix import StoreRecord, build_closure, is_store_path, normalize_hash
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure


@dataclass(frozen=True, slots=True)
class Registration:
    """Parsed registration text: ``with_hash`` tells the variant."""

    with_hash: bool
    records: tuple[StoreRecord, ...]


class _Lines:
    def __init__(self, display: str, text: str) -> None:
        self.display = display
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        self.lines = [line.rstrip("\r") for line in lines]
        self.pos = 0

    def more(self) -> bool:
        return self.pos < len(self.lines)

    def take(self, what: str, record: str | None) -> tuple[int, str]:
        if self.pos >= len(self.lines):
            inside = f" inside the record of {record}" if record else ""
            raise LoadError(
                self.display, f"line {self.pos + 1}: the file ends{inside}; expected {what}"
            )
        self.pos += 1
        return self.pos, self.lines[self.pos - 1]

    def error(self, lineno: int, problem: str) -> LoadError:
        return LoadError(self.display, f"line {lineno}: {problem}")


def _number(lines: _Lines, lineno: int, text: str, what: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise lines.error(lineno, f"{what} is not a number: {text[:60]!r}")
    return int(text)


def _store_path(lines: _Lines, lineno: int, text: str, what: str) -> str:
    if not is_store_path(text):
        raise lines.error(lineno, f"{what} is not a store path: {text[:80]!r}")
    return text


def parse_registration(text: str, display: str) -> Registration:
    """Parse registration text (any of the three variants); LoadError with a line number."""
    lines = _Lines(display, text)
    if not lines.more():
        raise LoadError(display, "empty file: no registration records")
    if all(is_store_path(line) for line in lines.lines):
        raise LoadError(
            display,
            "only store paths, no references (a closureInfo store-paths file?); "
            "load the registration file beside it",
        )
    with_hash: bool | None = None
    records: list[StoreRecord] = []
    seen: set[str] = set()
    while lines.more():
        lineno, path = lines.take("a store path", None)
        path = _store_path(lines, lineno, path, "the record's first line")
        if path in seen:
            raise lines.error(lineno, f"{path} is registered twice")
        seen.add(path)
        if with_hash is None:
            nxt = lines.lines[lines.pos] if lines.more() else ""
            with_hash = nxt != "" and not is_store_path(nxt)
        nar_hash: str | None = None
        nar_size: int | None = None
        if with_hash:
            lineno, raw_hash = lines.take("the narHash", path)
            try:
                nar_hash = normalize_hash(raw_hash)
            except ValueError as exc:
                raise lines.error(lineno, f"narHash of {path}: {exc}") from None
            lineno, raw_size = lines.take("the narSize", path)
            nar_size = _number(lines, lineno, raw_size, "narSize")
        lineno, raw_deriver = lines.take("the deriver line (may be empty)", path)
        deriver = _store_path(lines, lineno, raw_deriver, "the deriver") if raw_deriver else None
        lineno, raw_count = lines.take("the number of references", path)
        count = _number(lines, lineno, raw_count, "the number of references")
        refs: list[str] = []
        for k in range(count):
            lineno, raw_ref = lines.take(f"reference {k + 1} of {count}", path)
            refs.append(_store_path(lines, lineno, raw_ref, f"reference {k + 1} of {count}"))
        records.append(
            StoreRecord(
                path=path,
                references=tuple(refs),
                nar_size=nar_size,
                nar_hash=nar_hash,
                deriver=deriver,
            )
        )
    return Registration(bool(with_hash), tuple(records))


class NixRegistrationLoader:
    """closureInfo ``registration``, ``nix-store --dump-db``, plain exportReferencesGraph."""

    name = "nix-registration"
    description = (
        "Nix registration text: closureInfo registration, nix-store --dump-db, "
        "exportReferencesGraph file"
    )
    virtual = False
    autodetect = True

    def sniff(self, source: InputSource) -> bool:
        """The first line is an absolute store path."""
        if source.is_dir:
            return False
        first = source.head[:1024].split(b"\n", 1)[0].rstrip(b"\r")
        try:
            return is_store_path(first.decode("utf-8"))
        except UnicodeDecodeError:
            return False

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Parse every record and build the closure (roots: paths nobody references)."""
        reg = parse_registration(source.read_text(), source.display)
        if reg.with_hash:
            description = "Nix registration (nix-store --dump-db / closureInfo)"
            size_note = "sizes from narSize"
        else:
            description = "exportReferencesGraph (no hashes, no sizes)"
            size_note = "the file has no sizes (all unknown)"
        return build_closure(
            source.display,
            reg.records,
            fmt=self.name,
            description=description,
            roots=options.roots,
            diagnostics=(f"{description}: {len(reg.records)} store paths; {size_note}",),
            missing_hint=" (registration of an incomplete closure)",
        )


LOADER = NixRegistrationLoader()
