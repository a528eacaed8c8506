"""Sizes and percentages as people read and write them: the one place for rounding rules.

Internally every size is an ``int`` of bytes and an unknown size is ``None``. Only the edge
(reports, the TUI, error messages) calls the ``format_*`` functions here.
"""

from __future__ import annotations

import math
import re

import humanize

from closurescope.errors import ConfigError

UNKNOWN = "unknown"

_UNITS = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "p": 10**15,
    "pb": 10**15,
    "e": 10**18,
    "eb": 10**18,
    "ki": 2**10,
    "kib": 2**10,
    "mi": 2**20,
    "mib": 2**20,
    "gi": 2**30,
    "gib": 2**30,
    "ti": 2**40,
    "tib": 2**40,
    "pi": 2**50,
    "pib": 2**50,
    "ei": 2**60,
    "eib": 2**60,
}
_SIZE_RE = re.compile(r"^([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([A-Za-z]*)$")


def format_size(size: int | None, *, binary: bool = True) -> str:
    """Humanize a byte count (``1.2 MiB``); ``None`` is shown as ``unknown``, never ``0 B``."""
    if size is None:
        return UNKNOWN
    sign = "-" if size < 0 else ""
    return sign + str(humanize.naturalsize(abs(size), binary=binary, format="%.1f"))


def format_delta(size: int | None) -> str:
    """A signed size (``+1.2 MiB``, ``-300 Bytes``)."""
    if size is None:
        return UNKNOWN
    return ("+" if size >= 0 else "-") + format_size(abs(size))


def format_percent(ratio: float | None, digits: int = 1) -> str:
    """A ratio as a percentage (``0.5`` → ``50.0 %``); NaN and ``None`` are ``n/a``."""
    if ratio is None or math.isnan(ratio):
        return "n/a"
    return f"{ratio * 100:.{digits}f} %"


def parse_size(text: str | int | float, *, key: str = "size") -> int:
    """Parse a size as people write it, with go-humanize's meanings (SI and IEC units).

    ``20MB`` is 20,000,000 bytes (as dive reads it), ``20MiB`` is 20,971,520, ``1.5 GB`` and
    ``1,000`` work, a bare number is bytes. Raises ConfigError naming ``key`` on bad input.
    """
    if isinstance(text, bool):
        raise ConfigError(f"{key}: expected a size such as 20MB, got {text!r}")
    if isinstance(text, int):
        if text < 0:
            raise ConfigError(f"{key}: a size cannot be negative ({text})")
        return text
    if isinstance(text, float):
        if text < 0 or math.isnan(text):
            raise ConfigError(f"{key}: a size cannot be negative ({text})")
        return int(text)
    match = _SIZE_RE.match(text.strip())
    if match is None:
        raise ConfigError(f"{key}: {text!r} is not a size (write e.g. 20MB, 20MiB, 1.5 GB)")
    number, unit = match.groups()
    factor = _UNITS.get(unit.lower())
    if factor is None:
        raise ConfigError(
            f"{key}: unknown unit {unit!r} in {text!r} (use B, kB, MB, GB, KiB, MiB…)"
        )
    return int(float(number.replace(",", "")) * factor)


def parse_ratio(text: str | int | float, *, key: str = "ratio") -> float:
    """Parse a ratio: ``0.9``, ``90%`` or ``90 %`` all give 0.9. Raises ConfigError on bad input."""
    if isinstance(text, bool):
        raise ConfigError(f"{key}: expected a ratio such as 0.9 or 90%, got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        stripped = text.strip()
        try:
            if stripped.endswith("%"):
                value = float(stripped[:-1].strip()) / 100
            else:
                value = float(stripped)
        except ValueError:
            raise ConfigError(f"{key}: {text!r} is not a ratio (write e.g. 0.9 or 90%)") from None
    if math.isnan(value) or value < 0:
        raise ConfigError(f"{key}: {text!r} must be a ratio of 0 or more")
    return value
