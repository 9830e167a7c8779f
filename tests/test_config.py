"""The environment is read through dailypapers.config: typed readers that name the
variable in their error, and a start that stops with exit status 78 (EX_CONFIG)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dailypapers import config
from dailypapers.config import ConfigError
from tests.shared import REPO


class TestReaders:
    def test_float_reads_numbers_and_falls_back_when_unset(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DAILYPAPERS_X", "2.5")
        assert config.env_float("DAILYPAPERS_X", 1.0) == 2.5
        monkeypatch.setenv("DAILYPAPERS_X", "3")
        assert config.env_float("DAILYPAPERS_X", 1.0) == 3.0
        monkeypatch.setenv("DAILYPAPERS_X", "")
        assert config.env_float("DAILYPAPERS_X", 1.5) == 1.5
        monkeypatch.delenv("DAILYPAPERS_X")
        assert config.env_float("DAILYPAPERS_X", 1.5) == 1.5

    @pytest.mark.parametrize("value", ["fast", "1,5", "nan", "inf"])
    def test_a_bad_float_names_the_variable(
        self, value: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("DAILYPAPERS_X", value)
        with pytest.raises(ConfigError, match=r"DAILYPAPERS_X must be a .*number, got"):
            config.env_float("DAILYPAPERS_X", 1.0)

    def test_a_bad_int_names_the_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("DAILYPAPERS_X", "2.5")
        with pytest.raises(ConfigError, match=r"DAILYPAPERS_X must be an integer, got '2\.5'"):
            config.env_int("DAILYPAPERS_X", 1)


def _start(tmp_path: Path, command: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``dailypapers COMMAND`` with a clean environment plus ``env``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DAILYPAPERS_")}
    clean.update(DAILYPAPERS_SYNC_SOURCES="none", DAILYPAPERS_SEARCH_MODEL_AUTOBUILD="0", **env)
    return subprocess.run(
        [sys.executable, "-m", "dailypapers", "--data-dir", str(tmp_path), command],
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "name", "value", "says"),
    [
        ("check", "DAILYPAPERS_SYNC_TIMEOUT", "thirty", "must be a number, got 'thirty'"),
        ("check", "DAILYPAPERS_SUBMIT_ARXIV_TIMEOUT", "10s", "must be a number, got '10s'"),
        ("check", "DAILYPAPERS_PAGE_CACHE_SECONDS", "1.5", "must be an integer, got '1.5'"),
        ("serve", "DAILYPAPERS_PORT", "eighty", "must be an integer, got 'eighty'"),
    ],
)
def test_a_bad_value_stops_the_start_with_exit_78(
    tmp_path: Path, command: str, name: str, value: str, says: str
) -> None:
    done = _start(tmp_path, command, **{name: value})
    assert done.returncode == 78, done.stderr
    assert f"dailypapers: configuration error: {name} {says}" in done.stderr
    assert "Traceback" not in done.stderr


def test_settings_read_the_environment_only_through_config() -> None:
    """No os.environ or os.getenv in settings.py, and no value converted after reading
    (``float(config.env_str(...))`` would fail with a traceback instead of exit 78)."""
    tree = ast.parse((REPO / "src" / "dailypapers" / "settings.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert not (node.value.id == "os" and node.attr in {"environ", "getenv"})
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"int", "float", "bool"}
        ):
            inner = ast.unparse(node)
            assert "config." not in inner, f"convert in config instead: {inner}"
