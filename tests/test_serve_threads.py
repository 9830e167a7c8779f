"""`dailypapers serve` keeps numpy's BLAS to one thread per server thread."""

from __future__ import annotations

import os

import pytest

from dailypapers import cli


def _help(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(argv)
    assert stopped.value.code == 0


def test_serve_sets_one_blas_thread_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    _help(["serve", "--help"])
    assert "--no-worker" in capsys.readouterr().out

    assert os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    _help(["serve", "--help"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "2"


def test_other_commands_leave_blas_alone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    _help(["import", "--help"])
    capsys.readouterr()

    assert "OPENBLAS_NUM_THREADS" not in os.environ
