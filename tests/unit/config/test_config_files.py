""".closurescope.toml / [tool.closurescope] and .dive-ci parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from closurescope.config import Settings
from closurescope.config.dive import apply_dive_ci, parse_humanize_bytes
from closurescope.config.files import find_config, load_settings
from closurescope.errors import ConfigError
from closurescope.model import Severity
from closurescope.units import parse_ratio, parse_size


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20MB", 20_000_000),
        ("20MiB", 20_971_520),
        ("1.5 GB", 1_500_000_000),
        ("20Mb", 20_000_000),
        ("1,000", 1000),
        ("512", 512),
        (4096, 4096),
    ],
)
def test_sizes_as_people_write_them(text: str | int, expected: int) -> None:
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["twenty", "20 parsecs", "-5", ""])
def test_bad_sizes_name_the_key(text: str) -> None:
    with pytest.raises(ConfigError, match=r"budgets\.closure-size"):
        parse_size(text, key="budgets.closure-size")


def test_ratios() -> None:
    assert parse_ratio("5%") == pytest.approx(0.05)
    assert parse_ratio("0.9") == pytest.approx(0.9)
    with pytest.raises(ConfigError):
        parse_ratio("ninety")


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / ".closurescope.toml").write_text(
        'fail-on = "warning"\n'
        'forbidden = ["gcc-*", "perl"]\n'
        'ignore-paths = ["var/cache/**"]\n'
        "[budgets]\n"
        'closure-size = "600MB"\nlayer-size = "100MiB"\nmin-efficiency = "90%"\n'
        'wasted-bytes = 1000\nuser-wasted-percent = 0.1\ngrowth = "5%"\n'
        '[rules]\nCS204 = "off"\nCS201 = "error"\n'
    )
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    settings = load_settings(sub)
    assert settings.fail_on is Severity.WARNING
    assert settings.forbidden == ("gcc-*", "perl")
    assert settings.budgets.closure_size == 600_000_000
    assert settings.budgets.layer_size == 100 * 2**20
    assert settings.budgets.min_efficiency == pytest.approx(0.9)
    assert settings.budgets.growth_ratio == pytest.approx(0.05)
    assert not settings.enabled("CS204")
    assert settings.severity("CS201", Severity.WARNING) is Severity.ERROR


def test_pyproject_table_is_found(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.closurescope.budgets]\nclosure-size = "1GB"\n'
    )
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    assert load_settings(tmp_path).budgets.closure_size == 10**9


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[budgets]\nclosure-size = "big"\n', "budgets.closure-size"),
        ('[budgets]\nclosure_size = "1MB"\n', "budgets.closure_size: unknown budget"),
        ('colour = "red"\n', "unknown key 'colour'"),
        ('[rules]\nCS201 = "loud"\n', "rules.CS201"),
        ("[budgets\n", "not valid TOML"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / ".closurescope.toml"
    path.write_text(body)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(path) in str(info.value)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_dive_ci_upstream_file(tmp_path: Path) -> None:
    # GIVEN dive's own .data/.dive-ci (legacy camelCase keys, extra keys ignored)
    path = tmp_path / ".dive-ci"
    path.write_text(
        "plugins:\n  - plugin1\nrules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20Mb\n"
        "  highestUserWastedPercent: 0.5\n  plugin1/rule1: error\n"
    )
    budgets = apply_dive_ci(path, Settings()).budgets
    assert budgets.min_efficiency == pytest.approx(0.95)
    assert budgets.wasted_bytes == 20_000_000
    assert budgets.user_wasted_percent == pytest.approx(0.5)


def test_dive_ci_defaults_and_disabled(tmp_path: Path) -> None:
    path = tmp_path / ".dive-ci"
    path.write_text("rules:\n  highestUserWastedPercent: disabled\n")
    budgets = apply_dive_ci(path, Settings()).budgets
    assert budgets.min_efficiency == pytest.approx(0.9)  # dive's default, not "unset"
    assert budgets.wasted_bytes is None  # dive's default is disabled
    assert budgets.user_wasted_percent is None


@pytest.mark.parametrize("value", ["20%", "1.1", "-0.1", "abc"])
def test_dive_ci_ratios_must_be_in_0_1(tmp_path: Path, value: str) -> None:
    path = tmp_path / ".dive-ci"
    path.write_text(f"rules:\n  lowestEfficiency: '{value}'\n")
    with pytest.raises(ConfigError, match="lowestEfficiency"):
        apply_dive_ci(path, Settings())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20MB", 20_000_000),
        ("20Mb", 20_000_000),
        ("20m", 20_000_000),
        ("20MiB", 20_971_520),
        ("50kB", 50_000),
        ("1,024", 1024),
        ("5 GB", 5_000_000_000),
    ],
)
def test_go_humanize_parse_bytes(text: str, expected: int) -> None:
    assert parse_humanize_bytes(text, key="k") == expected


def test_go_humanize_unknown_unit() -> None:
    with pytest.raises(ConfigError, match="unhandled size name"):
        parse_humanize_bytes("20 parsecs", key="k")
