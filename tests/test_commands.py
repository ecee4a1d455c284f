"""Every console script says one line and exits 130 on Ctrl-C, even while it is loading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.test_dashboard_browser import free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SCRIPTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def start(argv: list[str], cwd: Path, *python_flags: str) -> subprocess.Popen[str]:
    """A console script in its own process group, SIGINT at its default as in a terminal."""
    return subprocess.Popen(
        [sys.executable, *python_flags, str(BIN / argv[0]), *argv[1:]],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def ctrl_c(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGINT)


def test_every_console_script_is_guarded() -> None:
    assert SCRIPTS, "pyproject.toml lists the console scripts"
    assert {target.partition(":")[0] for target in SCRIPTS.values()} == {"vendorsim.commands"}


# Arguments each command reads without complaint, so that it goes on to load its module (the
# directories are not results: the command would refuse them only once loaded).
VALID_ARGUMENTS = {
    "vendorsim-aggregate": ["."],
    "vendorsim-report": ["."],
    "vendorsim-story": ["."],
    "vendorsim-why": [".", "--seed", "0", "--client", "0"],
    "vendorsim-sensitivity": ["."],
}
# What a command's --help or a refused argument must not wait for: the heavy libraries.
HEAVY = ("pandas", "mesa", "matplotlib", "hydra", "omegaconf", "solara", "scipy", "pyarrow")


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_ctrl_c_while_a_command_loads_says_one_line(script: str, tmp_path: Path) -> None:
    # -X importtime reports each module as its import ends. The first to end after
    # vendorsim.commands is one of the command's own imports, inside the guard; pandas,
    # Hydra or Mesa (the best part of a second) are still loading when Ctrl-C arrives.
    argv = [script, *VALID_ARGUMENTS.get(script, [])]
    proc = start(argv, tmp_path, "-X", "importtime")
    assert proc.stderr is not None
    others, guarded = [], False
    for line in proc.stderr:
        if not line.startswith("import time:"):
            others.append(line)
        elif guarded:
            ctrl_c(proc)
            break
        else:
            guarded = line.rstrip().endswith("vendorsim.commands")
    rest = proc.communicate(timeout=60)[1]
    said = others + [line for line in rest.splitlines() if not line.startswith("import time:")]
    assert proc.returncode == 130, said
    assert len(said) == 1 and said[0].startswith(f"{script}: interrupted; "), said


def test_ctrl_c_during_the_demo_says_one_line_and_running_again_completes_it(
    tmp_path: Path,
) -> None:
    proc = start(["vendorsim-demo", "--quick"], tmp_path)
    first = tmp_path / "results" / "demo" / "scenarios" / "baseline"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    ctrl_c(proc)
    stderr = proc.communicate(timeout=120)[1]
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == [
        "vendorsim-demo: interrupted; run the same command again to complete the work"
    ]
    assert not (tmp_path / "results" / "demo" / "report.html").exists(), "stopped mid-way"
    assert not list(tmp_path.rglob("*.tmp")), "no half-written file is left"
    again = subprocess.run(
        [str(BIN / "vendorsim-demo"), "--quick"], cwd=tmp_path, capture_output=True, text=True
    )
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "results" / "demo" / "report.html").is_file()


def test_ctrl_c_stops_a_serving_dashboard_with_its_line_not_clicks_abort(tmp_path: Path) -> None:
    port = free_port()
    proc = start(["vendorsim-dashboard", "--port", str(port)], tmp_path)
    wait_for_http(f"http://127.0.0.1:{port}/", proc)
    ctrl_c(proc)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130, stderr
    # Click ends the terminal's "^C" line first, as it does for every Ctrl-C.
    assert [line for line in stderr.splitlines() if line] == [
        "vendorsim-dashboard: interrupted; the dashboard has stopped"
    ], stderr


def test_a_reader_that_goes_away_ends_a_command_quietly(tmp_path: Path) -> None:
    # `vendorsim-scenarios | head -1`: the pipe's reading end is closed before the command
    # writes, so its first write fails; it must end without a traceback.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [str(BIN / "vendorsim-scenarios")],
            cwd=tmp_path,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write)
    assert proc.returncode == 1
    assert proc.stderr == ""


@pytest.mark.parametrize("script", sorted(set(SCRIPTS) - {"vendorsim"}))
@pytest.mark.parametrize("argv", [["--help"], ["--version"], ["--no-such-flag"]])
def test_help_and_a_refused_argument_answer_before_the_command_loads(
    script: str, argv: list[str], tmp_path: Path
) -> None:
    # vendorsim itself is Hydra's command line: its --help lists the config, which Hydra
    # composes. Every other command reads its arguments first (vendorsim.command_lines).
    loaded = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('loaded:', *sorted(m for m in sys.modules "
        f"if m.partition('.')[0] in {HEAVY!r}), file=sys.stderr))\n"
        f"from vendorsim import commands\nsys.argv = {[script, *argv]!r}\n"
        f"commands.{SCRIPTS[script].partition(':')[2]}()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", loaded], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == (2 if argv == ["--no-such-flag"] else 0), done.stderr
    lines = done.stderr.splitlines()
    assert lines[-1] == "loaded:", lines
    if argv == ["--help"]:
        assert done.stdout.startswith(f"usage: {script}"), done.stdout
    elif argv == ["--version"]:
        assert done.stdout.startswith(f"vendorsim {version('vendorsim')} (Mesa "), done.stdout
    else:
        (refusal,) = lines[:-1]
        assert refusal.startswith(f"{script}: error: "), refusal
        assert refusal.endswith(f"; allowed: see `{script} --help`"), refusal
    assert list(tmp_path.iterdir()) == []


def test_vendorsim_version_names_vendorsim_not_only_hydra(tmp_path: Path) -> None:
    done = subprocess.run(
        [str(BIN / "vendorsim"), "--version"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"vendorsim {version('vendorsim')} (Mesa "), done.stdout
    assert f"Hydra {version('hydra-core')}" in done.stdout
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv",
    [
        ["vendorsim-demo", "--out", ""],
        ["vendorsim-validate", "--out", ""],
        ["vendorsim-report", ".", "--out", ""],
        ["vendorsim-report", "", "--out", "x"],
        ["vendorsim-why", "", "--seed", "0", "--client", "0"],
        ["vendorsim-story", " "],
    ],
    ids=lambda argv: " ".join(repr(a) if not a.strip() else a for a in argv),
)
def test_an_empty_path_is_refused_not_read_as_the_current_directory(
    argv: list[str], tmp_path: Path
) -> None:
    # `vendorsim-validate --out ""` (an unset $OUT) wrote its tables into the current
    # directory; the demo wrote its whole study there.
    proc = subprocess.run(
        [str(BIN / argv[0]), *argv[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().endswith("is an empty path; allowed: a path"), proc.stderr
    assert list(tmp_path.iterdir()) == []
