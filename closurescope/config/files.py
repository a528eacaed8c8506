"""Read Settings from ``.closurescope.toml`` or ``[tool.closurescope]`` in ``pyproject.toml``.

The file is found upwards from the working directory (the first directory that has either
wins), or named with ``--config``. Every error names the file, the key and the bad value.

```toml
fail-on = "error"                 # info | warning | error
forbidden = ["gcc-*", "*-dev", "perl"]
ignore-paths = ["var/cache/**"]
apps = ["app/bin/server"]         # programs whose needs drive the /etc analysis (as --app)
needs = ["tls", "dns"]            # needs stated by hand (as --need)

[budgets]
closure-size = "600MB"            # 20MB = 20,000,000 bytes; 20MiB = 20,971,520
image-size = "200MiB"
layer-size = "100MB"
component-size = "50MB"
min-efficiency = "90%"            # or 0.9
wasted-bytes = "20MB"
user-wasted-percent = "10%"
duplicate-bytes = "5MB"
growth = "10MB"                   # against --baseline; "5%" means relative growth

[rules]
CS204 = "off"                     # off | info | warning | error
```
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from closurescope.config.settings import Budgets, Settings
from closurescope.errors import ConfigError
from closurescope.model import Severity
from closurescope.units import parse_ratio, parse_size

CONFIG_NAME = ".closurescope.toml"

_SIZE_BUDGETS = {
    "closure-size": "closure_size",
    "image-size": "image_size",
    "layer-size": "layer_size",
    "component-size": "component_size",
    "wasted-bytes": "wasted_bytes",
    "duplicate-bytes": "duplicate_bytes",
}
_RATIO_BUDGETS = {
    "min-efficiency": "min_efficiency",
    "user-wasted-percent": "user_wasted_percent",
}
_TOP_KEYS = {"fail-on", "forbidden", "ignore-paths", "apps", "needs", "budgets", "rules"}
NEEDS = frozenset({"tls", "dns", "users", "locale", "tz"})
_OFF = {"off", "disabled", "false", "no", "none"}


def find_config(start: Path) -> Path | None:
    """The nearest ``.closurescope.toml``, or ``pyproject.toml`` with ``[tool.closurescope]``."""
    for directory in [start, *start.parents]:
        candidate = directory / CONFIG_NAME
        if candidate.is_file():
            return candidate
        pyproject = directory / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "closurescope" in data["tool"]:
                return pyproject
    return None


def read_config(path: Path) -> Mapping[str, Any]:
    """The closurescope table of a config file (ConfigError naming the file when unreadable)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        section = tool.get("closurescope") if isinstance(tool, dict) else None
        if not isinstance(section, dict):
            raise ConfigError(f"{path}: no [tool.closurescope] table")
        return section
    return data


def settings_from_mapping(data: Mapping[str, Any], *, origin: str, base: Settings) -> Settings:
    """Apply one config table on top of ``base``; ConfigError names ``origin`` and the key."""
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise ConfigError(
            f"{origin}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_TOP_KEYS))})"
        )
    changes: dict[str, Any] = {}
    if "fail-on" in data:
        changes["fail_on"] = _severity(data["fail-on"], f"{origin}: fail-on")
    for key, attr in (
        ("forbidden", "forbidden"),
        ("ignore-paths", "ignore_paths"),
        ("apps", "apps"),
    ):
        if key in data:
            value = data[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{origin}: {key} must be a list of strings, got {value!r}")
            changes[attr] = tuple(value)
    if "needs" in data:
        value = data["needs"]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{origin}: needs must be a list of strings, got {value!r}")
        unknown_needs = sorted(set(value) - NEEDS)
        if unknown_needs:
            known = ", ".join(sorted(NEEDS))
            raise ConfigError(
                f"{origin}: needs: unknown need {unknown_needs[0]!r} (known: {known})"
            )
        changes["needs"] = frozenset(value)
    if "budgets" in data:
        changes["budgets"] = _budgets(data["budgets"], origin, base.budgets)
    if "rules" in data:
        disabled, severities = _rules(data["rules"], origin, base)
        changes["disabled_rules"] = disabled
        changes["severities"] = severities
    changes["sources"] = (*base.sources, origin)
    return dataclasses.replace(base, **changes)


def _severity(value: object, key: str) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected info, warning or error, got {value!r}")
    try:
        return Severity.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _budgets(table: object, origin: str, base: Budgets) -> Budgets:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [budgets] must be a table")
    changes: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{origin}: budgets.{key}"
        if key in _SIZE_BUDGETS:
            changes[_SIZE_BUDGETS[key]] = parse_size(value, key=where)
        elif key in _RATIO_BUDGETS:
            changes[_RATIO_BUDGETS[key]] = parse_ratio(value, key=where)
        elif key == "growth":
            if isinstance(value, str) and value.strip().endswith("%"):
                changes["growth_ratio"] = parse_ratio(value, key=where)
            else:
                changes["growth"] = parse_size(value, key=where)
        else:
            known = sorted([*_SIZE_BUDGETS, *_RATIO_BUDGETS, "growth"])
            raise ConfigError(f"{where}: unknown budget (known: {', '.join(known)})")
    return dataclasses.replace(base, **changes)


def _rules(
    table: object, origin: str, base: Settings
) -> tuple[frozenset[str], dict[str, Severity]]:
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: [rules] must be a table")
    disabled = set(base.disabled_rules)
    severities = dict(base.severities)
    for rule_id, value in table.items():
        where = f"{origin}: rules.{rule_id}"
        if not isinstance(rule_id, str) or not rule_id.startswith("CS"):
            raise ConfigError(f"{where}: rule ids look like CS201")
        if isinstance(value, bool):
            value = "on" if value else "off"
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected off, on, info, warning or error, got {value!r}")
        word = value.strip().lower()
        if word in _OFF:
            disabled.add(rule_id)
        elif word == "on":
            disabled.discard(rule_id)
        else:
            severities[rule_id] = _severity(word, where)
            disabled.discard(rule_id)
    return frozenset(disabled), severities


def load_settings(cwd: Path, explicit: Path | None = None) -> Settings:
    """Settings from ``explicit`` or the config found upwards from ``cwd`` (defaults if none)."""
    path = explicit if explicit is not None else find_config(cwd)
    if path is None:
        return Settings()
    if explicit is not None and not explicit.is_file():
        raise ConfigError(f"{explicit}: no such config file")
    return settings_from_mapping(read_config(path), origin=str(path), base=Settings())
