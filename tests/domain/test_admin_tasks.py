"""The admin-task catalogue: names, wildcards, and a deployment's own list."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.config import LedgerSettings
from ledger.domain.admin_tasks import DEFAULT_CATALOGUE, TaskCatalogue
from ledger.errors import InvalidInputError, UnknownAdminTaskError


def test_the_default_catalogue_has_the_common_tasks() -> None:
    for task in (
        "users.create",
        "users.reset-password",
        "users.disable",
        "mailbox.permissions",
        "mailbox.create",
        "groups.membership",
        "backup.restore",
        "software.install",
        "printers.manage",
        "sharepoint.permissions",
    ):
        assert task in DEFAULT_CATALOGUE.tasks
    assert LedgerSettings().admin.catalogue() == DEFAULT_CATALOGUE


def test_a_wildcard_keeps_what_was_asked_and_resolves_to_explicit_tasks() -> None:
    resolution = DEFAULT_CATALOGUE.resolve(["Users.*", "mailbox.permissions", "users.create"])
    assert resolution.asked == ("users.*", "mailbox.permissions", "users.create")
    assert resolution.tasks == (
        "mailbox.permissions",
        "users.create",
        "users.disable",
        "users.reset-password",
        "users.unlock",
    )


@pytest.mark.parametrize(
    ("asked", "error", "message"),
    [
        (["users.creat"], UnknownAdminTaskError, "task: unknown admin task 'users.creat'"),
        (["user.*"], UnknownAdminTaskError, "task: unknown admin task 'user.*'"),
        (["users"], InvalidInputError, "is not a task name"),
        (["*"], InvalidInputError, "name an area"),
        ([".*"], InvalidInputError, "name an area"),
        (["us ers.*"], InvalidInputError, "not a wildcard over an area"),
        ([], InvalidInputError, "name at least one task"),
    ],
)
def test_unknown_or_malformed_tasks_are_refused_naming_them(
    asked: list[str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        DEFAULT_CATALOGUE.resolve(asked)
    assert message in str(caught.value)


def test_a_wildcard_matches_by_whole_area_not_by_text_prefix() -> None:
    catalogue = TaskCatalogue.of(["user.create", "users.create"])
    assert catalogue.resolve(["user.*"]).tasks == ("user.create",)


@given(st.lists(st.sampled_from([*DEFAULT_CATALOGUE.tasks, "users.*", "mailbox.*"]), min_size=1, max_size=6))
def test_resolution_is_always_a_subset_of_the_catalogue(asked: list[str]) -> None:
    tasks = DEFAULT_CATALOGUE.resolve(asked).tasks
    assert set(tasks) <= set(DEFAULT_CATALOGUE.tasks)
    assert list(tasks) == sorted(set(tasks))
    for item in asked:
        if not item.endswith(".*"):
            assert item in tasks


def test_a_deployment_replaces_the_catalogue(tmp_path: Path) -> None:
    config = tmp_path / "ledger.toml"
    config.write_text('[admin]\ntasks = ["erp.approve", "ERP.post-journal"]\n', encoding="utf-8")
    assert LedgerSettings.load(config).admin.catalogue().tasks == ("erp.approve", "erp.post-journal")
    config.write_text('[admin]\ntasks = ["erp.approve", "erp.*"]\n', encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"config admin\.tasks"):
        LedgerSettings.load(config)
