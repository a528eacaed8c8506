"""dive's CI rules file (``.dive-ci``), read with dive's exact semantics.

- Only ``rules.lowestEfficiency``, ``rules.highestWastedBytes`` and
  ``rules.highestUserWastedPercent`` are read; other keys are ignored, as dive does.
- A key the file lacks takes dive's default (0.9, disabled, 0.1), not a value from elsewhere.
- ``""``, ``disabled``, ``off`` and ``false`` (any case) disable a rule.
- Ratios must lie in [0, 1] (``20%`` is an error, as in dive); wasted bytes use go-humanize's
  ParseBytes (``20MB`` = 20,000,000 bytes, ``20MiB`` = 20,971,520).
- The verdicts (in the CS301–CS303 detectors) are inclusive: a value exactly at the limit passes.
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path
from typing import Any

from closurescope.config.settings import Budgets, Settings
from closurescope.errors import ConfigError

DIVE_CI_NAME = ".dive-ci"
DEFAULTS = {
    "lowestEfficiency": "0.9",
    "highestWastedBytes": "disabled",
    "highestUserWastedPercent": "0.1",
}
_DISABLED = {"", "disabled", "off", "false"}
_BYTES_RE = re.compile(r"^([0-9.,]*)(.*)$")
_BYTES_UNITS = {
    "": 1,
    "b": 1,
    **{f"{p}{s}": 1000**i for i, p in enumerate("kmgtpe", 1) for s in ("", "b")},
    **{f"{p}i{s}": 1024**i for i, p in enumerate("kmgtpe", 1) for s in ("", "b")},
}


def _as_string(value: Any) -> str:
    """How dive's config loader sees a YAML scalar: as its string form."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value).rstrip("0").rstrip(".") if "." in repr(value) else repr(value)
    return str(value)


def parse_humanize_bytes(text: str, *, key: str) -> int:
    """go-humanize ``ParseBytes``: digits, ``.`` and ``,`` then a case-insensitive unit."""
    match = _BYTES_RE.match(text)
    assert match is not None
    number, unit = match.groups()
    try:
        value = float(number.replace(",", ""))
    except ValueError:
        raise ConfigError(f"{key}: {text!r} is not a size") from None
    factor = _BYTES_UNITS.get(unit.strip().lower())
    if factor is None:
        raise ConfigError(f"{key}: unhandled size name {unit.strip()!r} in {text!r}")
    return int(value * factor)


def _ratio(text: str, *, key: str) -> float:
    try:
        value = float(text.strip())
    except ValueError:
        raise ConfigError(f"{key}: {text!r} is not a number between 0 and 1") from None
    if math.isnan(value) or not 0 <= value <= 1:
        raise ConfigError(f"{key}: {text!r} must be between 0 and 1 (a ratio, not a percent)")
    return value


def read_dive_ci(path: Path) -> dict[str, str]:
    """The three rule values of a ``.dive-ci`` file as written (defaults for missing keys)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise ConfigError(f"{path}: not valid YAML ({first})") from None
    rules = data.get("rules") if isinstance(data, dict) else None
    values = dict(DEFAULTS)
    if isinstance(rules, dict):
        for key in DEFAULTS:
            if key in rules:
                values[key] = _as_string(rules[key])
    return values


def apply_dive_ci(path: Path, base: Settings) -> Settings:
    """Settings with dive's three budgets taken from ``path`` (ConfigError on bad values)."""
    values = read_dive_ci(path)
    changes: dict[str, Any] = {}
    eff = values["lowestEfficiency"]
    changes["min_efficiency"] = (
        None if eff.strip().lower() in _DISABLED else _ratio(eff, key=f"{path}: lowestEfficiency")
    )
    wasted = values["highestWastedBytes"]
    changes["wasted_bytes"] = (
        None
        if wasted.strip().lower() in _DISABLED
        else parse_humanize_bytes(wasted, key=f"{path}: highestWastedBytes")
    )
    pct = values["highestUserWastedPercent"]
    changes["user_wasted_percent"] = (
        None
        if pct.strip().lower() in _DISABLED
        else _ratio(pct, key=f"{path}: highestUserWastedPercent")
    )
    budgets: Budgets = dataclasses.replace(base.budgets, **changes)
    return dataclasses.replace(base, budgets=budgets, sources=(*base.sources, str(path)))
