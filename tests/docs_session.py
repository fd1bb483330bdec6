"""Run a Markdown document's examples as one session and compare their output with the text.

A document is read as a sequence of fenced blocks:

- a block with a line starting ``$ `` is a **transcript**: each ``$ COMMAND`` line is run and the
  lines after it, up to the next ``$`` line, are its expected output (stdout, then stderr);
- a ``python`` block is run as a script; what it prints must equal the ``output`` block right after
  it (no ``output`` block: it must print nothing);
- a block right after ``<!-- file: NAME -->`` is written to NAME in the session's folder (a CSV the
  next transcript imports);
- a block right after ``<!-- not-run: REASON -->`` is skipped, and counted (tests keep a ceiling);
- every other block (a synopsis, JSON, TOML, a crontab) is text.

All blocks of one document share one session: a fresh temporary folder as the working directory and
a fresh SQLite store in it (``LEDGER_DATABASE_URL=sqlite:///ledger.db``, relative, so no temporary
path ever appears in an output). ``ledger`` commands run in this process through ``ledger.cli.main``
(the console script is the same function; starting Python for each of a hundred commands would take
minutes on a loaded machine), except a command line with shell syntax (a pipe, ``$(...)``, a
redirection), which runs in bash with the installed ``ledger`` script. Other commands (``export``,
``NAME=$(...)``, ``echo $?``, ``python3 -c``) are handled so that a session reads as a shell session:
``export NAME=VALUE`` and ``NAME=$(COMMAND)`` set a variable for the later commands, and bash sees the
previous command's exit code as ``$?``.

Exit codes are checked too: a command must exit 0, or 2 when its expected output shows
``ledger: error:``, unless the next command is ``echo $?``, which shows it.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

NORMALISATIONS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    (
        # Recorded times are stamped by the store when a command runs ("now"), and so are effective
        # times a command defaulted to now. Times a document gives itself have no fraction, so they
        # are still compared.
        "an ISO 8601 time with a fraction of a second: a recorded time, or now",
        re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{1,6}(?:Z|[+-]\d\d:\d\d)?"),
        "<time>",
    ),
    (
        # A seal's chain hashes the stored bytes, which hold the library's own timestamp of each event.
        "a SHA-256 hex digest (seal heads, which hash events with their recorded time)",
        re.compile(r"\b[0-9a-f]{64}\b"),
        "<sha256>",
    ),
    (
        # Webhook signatures are HMACs over a body and the current Unix time.
        "a webhook signature's time and HMAC",
        re.compile(r"t=\d{10},v1=<sha256>"),
        "t=<unix time>,v1=<sha256>",
    ),
    (
        "how long an import took",
        re.compile(r"in \d+\.\d\d s\b"),
        "in <seconds> s",
    ),
)
"""What truly varies between runs, and nothing else: ids are derived from the events (kind,
aggregate id, version) and aggregate ids from customer names, so they are compared as written."""

NOT_RUN = re.compile(r"<!--\s*not-run:\s*(?P<reason>.+?)\s*-->")
FILE = re.compile(r"<!--\s*file:\s*(?P<name>[\w.-]+)\s*-->")
SHELL_SYNTAX = re.compile(r"[|<>;&`]|\$\(")
ERROR_LINE = "ledger: error:"


def normalise(text: str) -> str:
    """The text with what varies replaced, trailing spaces and surrounding blank lines removed."""
    for _description, pattern, replacement in NORMALISATIONS:
        text = pattern.sub(replacement, text)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


@dataclass
class Block:
    """One fenced block of a document."""

    line: int
    info: str
    text: str
    length: int
    """How many lines the block holds between its fences."""
    not_run: str | None = None
    file_name: str | None = None

    @property
    def is_transcript(self) -> bool:
        return any(line.startswith("$ ") for line in self.text.splitlines())


def blocks(markdown: str) -> list[Block]:
    """The fenced blocks of a document, with the marker comment right before each, if any."""
    found: list[Block] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        fence = re.match(r"^(```+)(\S*)\s*$", lines[index])
        if fence is None:
            index += 1
            continue
        start = index
        end = start + 1
        while end < len(lines) and lines[end] != fence.group(1):
            end += 1
        previous = lines[start - 1] if start > 0 else ""
        not_run = NOT_RUN.search(previous)
        file_name = FILE.search(previous)
        found.append(
            Block(
                line=start + 1,
                info=fence.group(2),
                text="\n".join(lines[start + 1 : end]) + "\n",
                length=end - start - 1,
                not_run=not_run.group("reason") if not_run else None,
                file_name=file_name.group("name") if file_name else None,
            )
        )
        index = end + 1
    return found


@dataclass
class Step:
    """One command of a transcript, or one Python block, and what the document says it prints."""

    where: str
    command: str
    expected: str
    actual: str = ""
    exit_code: int = 0
    allowed_exit_codes: frozenset[int] | None = frozenset({0})

    @property
    def matches(self) -> bool:
        codes_ok = self.allowed_exit_codes is None or self.exit_code in self.allowed_exit_codes
        return codes_ok and normalise(self.expected) == normalise(self.actual)


def transcript_steps(block: Block, where: str) -> list[Step]:
    """The commands of a transcript block with their expected output."""
    steps: list[Step] = []
    for number, line in enumerate(block.text.splitlines(), start=block.line + 1):
        if line.startswith("$ "):
            steps.append(Step(where=f"{where}:{number}", command=line[2:], expected=""))
        elif steps:
            steps[-1].expected += line + "\n"
        elif line.strip():
            msg = f"{where}:{number}: a transcript's text before its first '$ ' command: {line!r}"
            raise ValueError(msg)
    for step, following in zip(steps, [*steps[1:], None], strict=True):
        if following is not None and following.command.strip() == "echo $?":
            step.allowed_exit_codes = None
        elif ERROR_LINE in step.expected:
            step.allowed_exit_codes = frozenset({2})
    return steps


@dataclass
class Session:
    """One document's shell: a folder, a store, variables and the last exit code."""

    folder: Path
    variables: dict[str, str] = field(default_factory=dict)
    last_exit_code: int = 0

    def __post_init__(self) -> None:
        base = {key: value for key, value in os.environ.items() if not key.startswith("LEDGER_")}
        for name in ("CI", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES"):
            base.pop(name, None)  # a terminal's settings must not reach the documented output
        venv_bin = str(Path(sys.executable).parent)
        base["PATH"] = venv_bin + os.pathsep + base.get("PATH", "/usr/bin:/bin")
        base["LEDGER_DATABASE_URL"] = "sqlite:///ledger.db"
        self.variables = {**base, **self.variables}

    @contextlib.contextmanager
    def entered(self) -> Iterator[None]:
        """This process inside the session: its folder and its environment, restored afterwards."""
        saved_environ = dict(os.environ)
        saved_folder = Path.cwd()
        os.environ.clear()
        os.environ.update(self.variables)
        os.chdir(self.folder)
        try:
            yield
        finally:
            os.chdir(saved_folder)
            os.environ.clear()
            os.environ.update(saved_environ)

    def run(self, step: Step) -> None:
        command = step.command.strip()
        assignment = re.fullmatch(r"(?:export\s+)?([A-Za-z_]\w*)=(.*)", command)
        if assignment is not None:
            name, value = assignment.groups()
            captured = re.fullmatch(r"\$\((.*)\)", value)
            if captured is not None:
                output, step.exit_code = self.bash(captured.group(1))
                self.variables[name] = output.strip()
            else:
                [self.variables[name]] = shlex.split(os.path.expandvars(value)) or [""]
        elif command.startswith("ledger ") and SHELL_SYNTAX.search(command) is None:
            step.actual, step.exit_code = self.ledger(command)
        else:
            step.actual, step.exit_code = self.bash(command)
        self.last_exit_code = step.exit_code

    def ledger(self, command: str) -> tuple[str, int]:
        from ledger.cli import main

        with self.entered():
            argv = shlex.split(os.path.expandvars(command), comments=True)[1:]
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                try:
                    code = main(argv)
                except SystemExit as exit_:  # argparse's usage errors
                    code = exit_.code if isinstance(exit_.code, int) else 1
        return stdout.getvalue() + stderr.getvalue(), code

    def bash(self, command: str) -> tuple[str, int]:
        completed = subprocess.run(
            ["bash", "-c", f"(exit {self.last_exit_code}); {command}"],
            cwd=self.folder,
            env=self.variables,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
        return completed.stdout + completed.stderr, completed.returncode

    def python(self, source: str, where: str) -> str:
        stdout = io.StringIO()
        with self.entered(), contextlib.redirect_stdout(stdout):
            exec(compile(source, where, "exec"), {"__name__": "__main__"})
        return stdout.getvalue()


def run_document(path: Path, folder: Path) -> list[Step]:
    """Run every example of the document at ``path`` in a session in ``folder``; return the steps."""
    session = Session(folder)
    found = blocks(path.read_text(encoding="utf-8"))
    steps: list[Step] = []
    for position, block in enumerate(found):
        where = f"{path.name}:{block.line}"
        if block.not_run is not None or block.info == "output":
            continue
        if block.file_name is not None:
            (folder / block.file_name).write_text(block.text, encoding="utf-8")
        elif block.info == "python":
            following = found[position + 1] if position + 1 < len(found) else None
            expected = following.text if following is not None and following.info == "output" else ""
            step = Step(where=where, command="python block", expected=expected)
            step.actual = session.python(block.text, where)
            steps.append(step)
        elif block.is_transcript:
            for step in transcript_steps(block, path.name):
                session.run(step)
                steps.append(step)
    return steps


def orphan_output_blocks(path: Path) -> list[int]:
    """Lines of ``output`` blocks that do not follow a Python block (they would never be checked)."""
    found = blocks(path.read_text(encoding="utf-8"))
    return [
        block.line
        for previous, block in zip([None, *found[:-1]], found, strict=True)
        if block.info == "output" and (previous is None or previous.info != "python")
    ]


def not_run_markers(path: Path) -> list[str]:
    """The reasons given for the blocks of a document that are not run."""
    return [block.not_run for block in blocks(path.read_text(encoding="utf-8")) if block.not_run]


def update(path: Path, folder: Path) -> None:
    """Write the actual outputs into the document (for a writer; review the diff: output is the truth
    unless it is a bug)."""
    session = Session(folder)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = blocks(text)
    replacements: list[tuple[int, int, list[str]]] = []
    for position, block in enumerate(found):
        where = f"{path.name}:{block.line}"
        if block.not_run is not None or block.info == "output":
            continue
        if block.file_name is not None:
            (folder / block.file_name).write_text(block.text, encoding="utf-8")
        elif block.info == "python":
            actual = session.python(block.text, where)
            following = found[position + 1] if position + 1 < len(found) else None
            if following is not None and following.info == "output":
                start = following.line
                end = start + following.length
                replacements.append((start, end, actual.rstrip("\n").splitlines()))
        elif block.is_transcript:
            new_lines: list[str] = []
            steps = transcript_steps(block, path.name)
            for step in steps:
                session.run(step)
                new_lines.append("$ " + step.command)
                new_lines.extend(line.rstrip() for line in step.actual.rstrip("\n").splitlines())
                if step.expected.splitlines()[-1:] == [""]:
                    new_lines.append("")  # the blank line that separated it from the next command
            start = block.line
            end = start + block.length
            replacements.append((start, end, new_lines))
    for start, end, new_lines in reversed(replacements):
        lines[start:end] = new_lines
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    import tempfile

    for name in sys.argv[1:]:
        with tempfile.TemporaryDirectory() as scratch:
            update(Path(name).resolve(), Path(scratch))
