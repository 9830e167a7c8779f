"""The import's column lists come from the models: a new field is added in one place."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from dailypapers.papers import columns, rows
from dailypapers.papers.models import Paper, Submission


def _concrete(model: Any) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


def test_the_paper_columns_are_the_model_less_the_documented_exclusions() -> None:
    expected = [n for n in _concrete(Paper) if n not in columns.PAPER_NOT_IMPORTED]
    assert list(columns.PAPER_COLUMNS) == expected
    assert set(_concrete(Paper)) >= columns.PAPER_NOT_IMPORTED


def test_the_submission_columns_are_the_model_less_the_documented_exclusions() -> None:
    expected = [n for n in _concrete(Submission) if n not in columns.SUBMISSION_NOT_IMPORTED]
    assert list(columns.SUBMISSION_COLUMNS) == expected
    assert columns.SUBMISSION_COLUMNS[0] == "id"


def test_new_rows_fill_every_imported_column() -> None:
    # The writer adds the id and the organization's id to a new paper's row, and the
    # paper's id to a submission's.
    assert sorted({"id", "organization_id", *rows.NEW_PAPER_COLUMNS}) == sorted(
        columns.PAPER_COLUMNS
    )
    assert sorted({"id", *rows.SUBMISSION_COLUMNS}) == sorted(columns.SUBMISSION_COLUMNS)


def test_a_field_added_to_the_model_is_picked_up() -> None:
    fields = [SimpleNamespace(attname=n) for n in [*_concrete(Paper), "new_field"]]
    grown: Any = SimpleNamespace(_meta=SimpleNamespace(concrete_fields=fields))
    found = columns.attnames(grown, columns.PAPER_NOT_IMPORTED)
    assert found == (*columns.PAPER_COLUMNS, "new_field")
