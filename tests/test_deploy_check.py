"""`dailypapers check --deploy` with production settings reports nothing, and each unsafe
setting it should catch is caught.

The command runs in a subprocess with a clean environment (no DAILYPAPERS_* variable
of the test run leaks in), so settings.py reads the production environment from start.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.hub import clean_env, cli

PRODUCTION = {
    "DAILYPAPERS_HTTPS": "1",
    "DAILYPAPERS_ALLOWED_HOSTS": "papers.example.org",
    "DAILYPAPERS_CSRF_TRUSTED_ORIGINS": "https://papers.example.org",
    "DAILYPAPERS_BASE_URL": "https://papers.example.org",
}


def check_deploy(data_dir: Path, **env: str) -> tuple[int, str]:
    done = cli(
        data_dir,
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=clean_env(**env),
    )
    return done.returncode, done.stdout + done.stderr


def test_production_settings_pass_the_deployment_check(tmp_path: Path) -> None:
    status, output = check_deploy(tmp_path / "data", **PRODUCTION)
    assert status == 0, output
    assert "no issues" in output
    # The key generated into the data folder on first start is a long random one.
    assert len((tmp_path / "data" / "secret_key").read_text().strip()) >= 50


def test_a_proxy_that_redirects_to_https_itself_passes_too(tmp_path: Path) -> None:
    status, output = check_deploy(tmp_path / "data", **PRODUCTION, DAILYPAPERS_SSL_REDIRECT="0")
    assert status == 0, output


@pytest.mark.parametrize(
    ("changes", "reported"),
    [
        (
            {"DAILYPAPERS_HTTPS": "0"},
            ["security.W004", "security.W008", "security.W012", "security.W016"],
        ),
        ({"DAILYPAPERS_DEBUG": "1"}, ["security.W018"]),
        ({"DAILYPAPERS_SECRET_KEY": "short-and-guessable"}, ["security.W009"]),
        ({"DAILYPAPERS_HSTS_SECONDS": "0"}, ["security.W004"]),
    ],
)
def test_unsafe_settings_are_reported(
    tmp_path: Path, changes: dict[str, str], reported: list[str]
) -> None:
    status, output = check_deploy(tmp_path / "data", **{**PRODUCTION, **changes})
    assert status != 0, output
    for code in reported:
        assert code in output, output
