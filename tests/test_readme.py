"""The README and the guides are true: every Python block and every ``$ ledger`` transcript runs.

Each document runs as one session on a fresh SQLite store in a temporary folder (see
``tests/docs_session.py`` for the rules, and ``NORMALISATIONS`` there for the only things that are
not compared literally: recorded times and "now", seal hashes, signatures, an import's duration).
To bring a document's outputs up to date after a deliberate change of output:
``.venv/bin/python -m tests.docs_session docs/operator.md`` — then read the diff.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from tests.docs_session import (
    NORMALISATIONS,
    blocks,
    normalise,
    not_run_markers,
    orphan_output_blocks,
    run_document,
)

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GUIDES = (
    "operator.md",
    "billing.md",
    "auditor.md",
    "alerts.md",
    "architecture.md",
    "input.md",
    "identity.md",
    "money-timeline.md",
    "statements.md",
)
DOCUMENTS = [README, *(ROOT / "docs" / name for name in GUIDES)]
NOT_RUN_MAX = 4
"""Blocks a document may leave unrun, across all documents: each must say why, and there are few."""


@pytest.mark.parametrize("document", DOCUMENTS, ids=[path.name for path in DOCUMENTS])
def test_every_example_prints_what_the_document_shows(document: Path, tmp_path: Path) -> None:
    steps = run_document(document, tmp_path)
    assert steps, f"{document.name} has no examples to run"
    problems = []
    for step in steps:
        if step.matches:
            continue
        diff = "\n".join(
            difflib.unified_diff(
                normalise(step.expected).splitlines(),
                normalise(step.actual).splitlines(),
                "document",
                "actual",
                lineterm="",
            )
        )
        problems.append(f"{step.where}: $ {step.command}  (exit {step.exit_code})\n{diff}")
    assert not problems, f"{len(problems)} of {len(steps)} examples differ:\n\n" + "\n\n".join(problems)


def test_the_readme_is_still_true_when_run_again(tmp_path: Path) -> None:
    """Billing retries: a second run of the README's examples in the same folder finds everything recorded
    already, and prints the same."""
    for _ in range(2):
        steps = run_document(README, tmp_path)
        assert all(step.matches for step in steps), [step.where for step in steps if not step.matches]


def test_few_blocks_are_not_run_and_each_says_why() -> None:
    reasons = [reason for document in DOCUMENTS for reason in not_run_markers(document)]
    assert all(len(reason) >= 10 for reason in reasons), reasons
    assert len(reasons) <= NOT_RUN_MAX, reasons


def test_every_output_block_belongs_to_a_python_block() -> None:
    for document in DOCUMENTS:
        assert orphan_output_blocks(document) == [], document.name


def test_no_concrete_command_hides_outside_a_transcript() -> None:
    """A command line written without ``$ `` would never run: only a synopsis may, in a ``text`` block or with
    placeholders (``CUSTOMER``, ``[--json]``)."""
    placeholder = re.compile(r"\b[A-Z][A-Z0-9_]{2,}\b|\[|\.\.\.|…")
    for document in DOCUMENTS:
        for block in blocks(document.read_text(encoding="utf-8")):
            if (
                block.is_transcript
                or block.not_run
                or block.file_name
                or block.info in ("python", "output", "text")
            ):
                continue
            for line in block.text.splitlines():
                if line.startswith("ledger "):
                    assert placeholder.search(line), f"{document.name}:{block.line}: {line}"


def test_the_normalisations_leave_the_documented_facts_alone() -> None:
    """Effective times a document gives, amounts and ids are compared as written."""
    text = 'at 2026-04-01T00:00:00+02:00 "id": "al-76198205fd3cf6f0" 4500.00'
    assert normalise(text) == text
    assert normalise("recorded 2026-11-26T23:43:05.642957+00:00") == "recorded <time>"
    assert len(NORMALISATIONS) == 4


def test_the_readme_links_every_guide() -> None:
    text = README.read_text(encoding="utf-8")
    for name in (*GUIDES, "identity.md", "money-timeline.md", "statements.md", "events.md"):
        assert f"docs/{name}" in text, name
    assert len(text.splitlines()) <= 200


def test_ci_runs_the_readme_test_command() -> None:
    readme_command = re.search(r"\.venv/bin/python -m pytest[^\n`]*", README.read_text(encoding="utf-8"))
    assert readme_command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_command.group(0).strip() in ci


def test_every_guarantee_names_tests_that_exist() -> None:
    """The README's guarantees name their proofs as ``tests/FILE.py::NAME`` (``::NAME`` continues a file)."""
    table = README.read_text(encoding="utf-8").split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    named = 0
    for row in table.splitlines():
        if not row.startswith("| ") or "`tests/" not in row:
            continue
        path: Path | None = None
        for reference in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", row.split(" | ")[-1]):
            file_name, name = reference
            if file_name:
                path = ROOT / file_name
                assert path.exists(), file_name
            if name:
                assert path is not None, row
                source = path.read_text(encoding="utf-8")
                assert re.search(rf"^\s*(?:def|class) {name}\b|^{name} = ", source, flags=re.MULTILINE), (
                    path.name,
                    name,
                )
                named += 1
    assert named >= 20
