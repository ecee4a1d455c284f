"""Every command refuses bad input in one line with exit code 2, before any work and with
nothing written (``vendorsim.arguments``): argparse's own refusals, and output directories
that cannot be written."""

from __future__ import annotations

import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hydra._internal.utils import get_args_parser

from vendorsim.arguments import CommandLine, check_writable, unwritable
from vendorsim.cli import HYDRA_FLAGS

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCRIPTS = sorted(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / args[0]), *args[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )


def _one_line_refusal(proc: subprocess.CompletedProcess, *words: str) -> None:
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr and "usage:" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_argparse_refusals_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    parser = CommandLine(prog="vendorsim-test")
    parser.add_argument("--seed", type=int)
    with pytest.raises(SystemExit) as exit_:
        parser.parse_args(["--seed", "x"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "vendorsim-test: error: argument --seed: invalid int value: 'x'; "
        "allowed: see `vendorsim-test --help`"
    ]


def test_an_output_dir_under_a_file_is_unwritable_and_nothing_is_left(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert "not a directory" in (unwritable(blocker / "out") or "")
    assert unwritable(tmp_path / "new" / "deeper") is None
    # The check creates and removes a directory to be sure: nothing of it is left.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


def test_a_name_too_long_for_the_file_system_is_refused_not_raised(tmp_path: Path) -> None:
    """Asking whether such a path exists raises OSError (errno 36); the check answers first."""
    long = "a" * 300
    for path in (tmp_path / long, tmp_path / long / "out", tmp_path / "new" / long):
        assert unwritable(path) == (
            "has a name of 300 bytes; allowed: names of at most 255 bytes"
        ), path
    assert unwritable(tmp_path / ("a" * 255)) is None
    assert list(tmp_path.iterdir()) == []


def test_check_writable_names_the_key_and_the_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(SystemExit) as exit_:
        check_writable("vendorsim-test", "--out", tmp_path / "a-file" / "out")
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("vendorsim-test: error: --out=") and "allowed:" in line


def test_our_list_of_hydra_flags_is_hydras() -> None:
    hydra = {s for action in get_args_parser()._actions for s in action.option_strings}
    assert hydra == HYDRA_FLAGS


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_command_refuses_an_unknown_flag_in_one_line(tmp_path: Path, script: str) -> None:
    # The arguments a command requires, so that the flag is what is refused.
    required = ["--seed", "0", "--client", "0"] if script == "vendorsim-why" else []
    proc = _run(tmp_path, script, "--no-such-flag", str(tmp_path), *required)
    _one_line_refusal(proc, "--no-such-flag", "allowed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("command", "key"),
    [
        (["vendorsim-demo", "--out", "{out}"], "--out"),
        (["vendorsim-validate", "--out", "{out}"], "--out"),
        (["vendorsim-report", "{tmp}", "--out", "{out}/report.html"], "--out"),
        (["vendorsim-why", "{tmp}", "--seed", "0", "--client", "0", "--csv", "{out}"], "--csv"),
        (["vendorsim", "hydra.run.dir={out}"], "hydra.run.dir"),
        (["vendorsim", "-m", "hydra.sweep.dir={out}", "seeds=1,2"], "hydra.sweep.dir"),
    ],
    ids=["demo", "validate", "report", "why", "run", "sweep"],
)
def test_an_output_dir_that_cannot_be_written_is_refused_first(
    tmp_path: Path, command: list[str], key: str
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    if command[0] == "vendorsim-why":
        # why checks that its run's files are there before its --csv directory.
        for name in ("engagements.parquet", "timeseries.parquet", "events.parquet", "config.yaml"):
            (tmp_path / name).write_text("")
    before = sorted(p.name for p in tmp_path.iterdir())
    args = [a.format(out=blocker / "out", tmp=tmp_path) for a in command]
    proc = _run(tmp_path, *args)
    _one_line_refusal(proc, key, "not writable", "allowed")
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_the_demo_refuses_no_seeds_before_any_work(tmp_path: Path) -> None:
    proc = _run(tmp_path, "vendorsim-demo", "--seeds", "0", "--out", str(tmp_path / "demo"))
    _one_line_refusal(proc, "--seeds=0", "allowed")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("script", ["vendorsim-why", "vendorsim-story"])
def test_a_sweep_cells_directory_is_refused_by_the_commands_that_read_a_run(
    tmp_path: Path, script: str
) -> None:
    # A sweep's job keeps its engagements and monthly means, not the series and events.
    (tmp_path / "engagements.parquet").write_text("")
    (tmp_path / "cell_months.parquet").write_text("")
    proc = _run(tmp_path, script, str(tmp_path), "--seed", "0", "--client", "0")
    _one_line_refusal(proc, "timeseries.parquet", "events.parquet", "rerun one alone")


def test_the_dashboard_refuses_a_port_in_use_before_it_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = _run(tmp_path, "vendorsim-dashboard", "--port", str(port))
    _one_line_refusal(proc, f"--port={port}", "in use", "allowed")
    assert proc.stdout == ""  # no "server is starting" announcement


def test_the_dashboard_refuses_a_host_that_is_no_address(tmp_path: Path) -> None:
    proc = _run(tmp_path, "vendorsim-dashboard", "--host", "999.1.1.1")
    _one_line_refusal(proc, "--host='999.1.1.1'", "allowed")


def test_an_output_dir_with_a_name_too_long_is_refused_before_it_is_made(tmp_path: Path) -> None:
    # The file system refuses it only when it is made, after the work, with a traceback.
    for directory in (tmp_path / ("a" * 300), tmp_path / "new" / ("b" * 256) / "deeper"):
        problem = unwritable(directory) or ""
        assert problem.startswith("has a name of ") and "allowed: names of at most" in problem
    assert unwritable(tmp_path / ("c" * 255)) is None
    assert list(tmp_path.iterdir()) == []
