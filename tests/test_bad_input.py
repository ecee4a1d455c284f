"""Bad input is refused before any work: one line naming key, value and what is allowed,
exit code 2, no traceback, and nothing written."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from vendorsim import ConfigError, simulate
from vendorsim.cli import preflight
from vendorsim.experiment.slurm import check_reachable

VENDORSIM = str(Path(sys.executable).with_name("vendorsim"))

# (override, words the message must contain)
BAD_INPUTS = [
    ("client.readyness=0.2", ["client.readyness", "0.2", "allowed"]),
    ("nosuch.key=1", ["nosuch.key", "allowed"]),
    # A group's choice is a key too, and case is forgiven in the guess.
    (
        "Scenario=stockholm",
        ["'Scenario'", "did you mean scenario?", "allowed: experiment, scenario"],
    ),
    ("behavior.trust=beta", ["'behavior.trust'", "did you mean behaviour.trust?"]),
    # A sweep where one run is composed: Hydra said only "Ambiguous value".
    ("vendor.sales.overpromise=0,1", ["overpromise=0,1", "is a sweep", "vendorsim -m"]),
    ("scenario=stockholm,captive", ["scenario=stockholm,captive", "is a sweep"]),
    ("market.clients=abc", ["market.clients", "abc", "integer"]),
    ("client.vendor_management.reactive=maybe", ["reactive", "maybe", "true or false"]),
    ("client.readiness=1.5", ["client.readiness", "1.5", "[0, 1]"]),
    ("vendor.quality=-0.1", ["vendor.quality", "-0.1", "[0, 1]"]),
    ("client.loss_aversion=0.5", ["client.loss_aversion", "0.5", "[1, 10]"]),
    ("months=0", ["months", "0", "[1, 1200]"]),
    ("market.vendors=1", ["market.vendors", "1", "[2, 1000]"]),
    ("client.history.failed_vendors=-2", ["failed_vendors", "-2", "[0, 100]"]),
    ("scenario=utopia", ["scenario", "utopia", "baseline"]),
    ("vendor.pricing=cheap", ["vendor.pricing", "cheap", "value, discretionary"]),
    ("behaviour.trust=gossip", ["behaviour.trust", "gossip", "two_layer"]),
    ("behaviour.trust.gain=3", ["behaviour.trust.gain", "3", "[0, 1]"]),
    (
        "behaviour.trust._target_=nowhere.Trust",
        ["behaviour.trust._target_", "nowhere.Trust", "allowed"],
    ),
    ("readiness", ["readiness", "allowed"]),
    ("workers=lots", ["workers", "lots", "auto"]),
    ("market.clients=-3", ["market.clients", "-3", "[1, 100000]"]),
    ("market.projects=0", ["market.projects", "0", "[1, 100]"]),
    ("seeds=0", ["seeds", "0", "[1, 100000]"]),
    # The tables keep seeds as 64-bit integers (a larger one failed after Hydra had started).
    ("seed=99999999999999999999999", ["seed", "99999999999999999999999", "4611686018427387904"]),
    ("client.readiness=[0.1", ["client.readiness=[0.1", "key=value"]),
    ("client.vendor_management.monitoring=1.01", ["monitoring", "1.01", "[0, 1]"]),
    ("vendor.sales.overpromise=-0.5", ["overpromise", "-0.5", "[0, 5]"]),
    ("behaviour.switching._target_=os.system", ["os.system", "not a class"]),
    ("months=1.5", ["months", "1.5", "integer"]),
    # Non-finite numbers pass every comparison with nan, or a one-sided bound with inf.
    ("client.readiness=nan", ["client.readiness", "nan", "finite", "[0, 1]"]),
    ("client.switching_cost=inf", ["client.switching_cost", "inf", "finite", ">= 0"]),
    ("client.loss_aversion=-inf", ["client.loss_aversion", "-inf", "finite", "[1, 10]"]),
    ("vendor.delivery.overrun_tail=nan", ["overrun_tail", "nan", "finite", ">= 0.5"]),
    ("behaviour.trust.gain=inf", ["behaviour.trust.gain", "inf", "finite", "[0, 1]"]),
    # Sizes no sensible study needs, with the bound in the message.
    ("market.clients=200000", ["market.clients", "200000", "[1, 100000]"]),
    ("months=5000", ["months", "5000", "[1, 1200]"]),
    # A team is drawn person by person: 1e9 people asked for 75 GiB past the memory check.
    ("vendor.delivery.staff=1000000000", ["vendor.delivery.staff", "1000000000", "[1, 1000]"]),
    ("market.vendors=5000", ["market.vendors", "5000", "[2, 1000]"]),
    ("market.projects=1000", ["market.projects", "1000", "[1, 100]"]),
    # Within the bounds, but far more than the memory of any machine this runs on.
    (
        "market.clients=100000 months=1200",
        ["market.clients=100000", "months=1200", "GiB", "available", "allowed"],
    ),
]


def assert_refused(
    args: list[str], words: list[str], cwd: Path, env: dict[str, str] | None = None
) -> str:
    """``vendorsim ARGS`` (in ``env``, if given) exits with code 2 and one line holding
    ``words``, writing nothing; returns the line.
    """
    proc = subprocess.run(
        [VENDORSIM, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("vendorsim: error: ")
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert "Traceback" not in proc.stderr
    assert list(cwd.iterdir()) == [], "bad input must not write anything"
    return lines[0]


@pytest.mark.parametrize(("override", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_cli_refuses_bad_input(override: str, words: list[str], tmp_path: Path) -> None:
    assert_refused(override.split(), words, tmp_path)


@pytest.mark.parametrize(
    ("override", "options"),
    [
        ("hydra/launcher=nope", "basic, cluster_slurm, joblib, submitit_local"),
        ("hydra/sweeper=nope", "basic, optuna, vendorsim"),
    ],
)
def test_an_unknown_hydra_option_is_refused_with_the_groups_options(
    override: str, options: str, tmp_path: Path
) -> None:
    assert_refused(["-m", override, "seeds=1"], ["nope", f"allowed: {options}"], tmp_path)


@pytest.mark.parametrize(
    ("override", "words"),
    [
        # Each failed with a traceback once the sweep had begun.
        ("vendor.sales.overpromise=range(0,9,3)", ["vendor.sales.overpromise=6", "[0, 5]"]),
        ("vendor.sales.overpromise=interval(0,7)", ["vendor.sales.overpromise=7.0", "[0, 5]"]),
        # A rule checks its parameters as it is built; only the first value was built.
        ("behaviour.trust.gain=0.5,3", ["behaviour.trust.gain=3", "[0, 1]"]),
        # Checks across parameters: only the first value was composed.
        (
            "market.competitor_pushiness_low=0.3,0.5 market.competitor_pushiness_high=0.4",
            ["market.competitor_pushiness_low=0.5 is above market.competitor_pushiness_high=0.4"],
        ),
        (
            "vendor.sales.overpromise=interval(0,1)",
            ["vendor.sales.overpromise=interval(0,1)", "only an Optuna sweeper", "range("],
        ),
        # A range with no value, or a zero step: a StopIteration or ValueError traceback.
        ("client.history.failed_vendors=range(3,3)", ["range(3,3) gives no value", "step"]),
        ("vendor.quality=range(0.9,0.5,0.1)", ["range(0.9,0.5,0.1) gives no value"]),
        ("client.history.failed_vendors=range(0,5,0)", ["is not a range", "must not be zero"]),
        ("experiment=lock_in_map client.switching_cost=range(3,3)", ["gives no value"]),
    ],
)
def test_a_sweep_value_that_would_fail_once_begun_is_refused_first(
    override: str, words: list[str], tmp_path: Path
) -> None:
    assert_refused(["-m", *override.split(), "seeds=1"], words, tmp_path)


@pytest.mark.parametrize(("override", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_api_refuses_bad_input(override: str, words: list[str]) -> None:
    if override.startswith("seeds="):
        # simulate takes its seeds as an argument, never as an override.
        words = [override, f"simulate(overrides, {override})"]
    with pytest.raises(ConfigError) as info:
        simulate(override.split(), seeds=1)
    message = str(info.value)
    assert "\n" not in message
    for w in words:
        assert w in message


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"seeds": 0}, ["seeds=0", "[1, 100000]"]),
        ({"seeds": []}, ["seeds=[]", "allowed"]),
        ({"seeds": [3, -1]}, ["seed=-1", "[0, 4611686018427387904]"]),
        ({"seeds": [2**70]}, ["seed=1180591620717411303424", "[0, 4611686018427387904]"]),
        ({"seeds": [1.5]}, ["seed=1.5", "integer"]),
        # A repeated seed would count the same market's engagements twice.
        ({"seeds": [3, 1, 3]}, ["seeds=[3, 1, 3]", "repeats 3", "distinct"]),
        # The seeds argument decides the seeds; an override was saved but not run.
        ({"overrides": ["seeds=5"]}, ["seeds=5", "simulate(overrides, seeds=5)"]),
        ({"overrides": "+seeds=5"}, ["+seeds=5", "simulate(overrides, seeds=5)"]),
        ({"workers": 0}, ["workers=0", "auto"]),
        ({"workers": "lots"}, ["workers='lots'", "auto"]),
    ],
    ids=[
        "no-seeds",
        "empty-list",
        "negative-seed",
        "huge-seed",
        "fractional-seed",
        "repeated-seed",
        "seeds-override",
        "seeds-override-added",
        "no-workers",
        "workers",
    ],
)
def test_api_refuses_bad_seeds_and_workers_as_the_command_line_does(
    kwargs: dict, words: list[str]
) -> None:
    with pytest.raises(ConfigError) as info:
        simulate(**{"overrides": [], **kwargs})
    for w in words:
        assert w in str(info.value)


def test_api_takes_one_override_as_a_string() -> None:
    r = simulate("scenario=stockholm", seeds=1, progress=False)
    assert r.config.meta.scenario == "stockholm"


def test_non_conforming_behaviour_names_the_missing_method() -> None:
    with pytest.raises(ConfigError, match=r"missing method .*update"):
        simulate(
            [
                "behaviour.trust._target_=collections.Counter",
                "~behaviour.trust.gain",
                "~behaviour.trust.loss",
                "~behaviour.trust.scar_gain",
                "~behaviour.trust.scar_decay",
                "~behaviour.trust.dependence_amplifier",
            ]
        )


def test_output_dir_that_cannot_be_created_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    proc = subprocess.run(
        [VENDORSIM, f"hydra.run.dir={blocker}/run"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "hydra.run.dir" in proc.stderr and "not writable" in proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize(
    ("marker", "args", "words"),
    [
        ("summary.json", ["-m", "vendor.quality=0.5,0.9"], ["hydra.sweep.dir", "a single run's"]),
        ("complete.json", ["-m", "vendor.quality=0.5,0.9"], ["hydra.sweep.dir", "a sweep cell's"]),
        ("multirun.yaml", [], ["hydra.run.dir", "a sweep's results"]),
        ("complete.json", [], ["hydra.run.dir", "a sweep cell's"]),
    ],
)
def test_a_run_and_a_sweep_never_write_into_each_others_directory(
    tmp_path: Path, marker: str, args: list[str], words: list[str]
) -> None:
    """A sweep into a run's directory silently replaced its engagements, leaving the run's
    time series beside a sweep's table; a run into a sweep's replaced the aggregate.
    """
    target = tmp_path / "target"
    target.mkdir()
    (target / marker).write_text("{}")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    key = "hydra.sweep.dir" if args else "hydra.run.dir"
    assert_refused([*args, "months=3", f"{key}={target}"], [*words, marker, "allowed:"], cwd)
    assert [p.name for p in target.iterdir()] == [marker]


@pytest.mark.parametrize("subdir", ["same", "../../escape", "/abs/${hydra.job.num}"])
def test_a_cell_directory_shared_by_every_job_or_outside_the_sweep_is_refused(
    tmp_path: Path, subdir: str
) -> None:
    """Cells that overwrote each other left an aggregate of 1 of 2 cells, and the sweep
    exited 0; cells outside the sweep left none.
    """
    assert_refused(
        ["-m", "vendor.quality=0.5,0.9", "months=3", f"hydra.sweep.subdir={subdir}"],
        ["hydra.sweep.subdir", subdir, "allowed:", "${hydra.job.num}"],
        tmp_path,
    )


def test_a_draws_lower_bound_above_its_upper_bound_is_refused() -> None:
    overrides = ["market.competitor_pushiness_low=0.5", "market.competitor_pushiness_high=0.3"]
    with pytest.raises(ConfigError, match=r"competitor_pushiness_low=0\.5 is above"):
        simulate(overrides, seeds=1)


def test_sweep_whose_largest_cell_cannot_fit_is_refused(tmp_path: Path) -> None:
    """The grid's largest value of each size key is checked, before Hydra writes anything."""
    proc = subprocess.run(
        [VENDORSIM, "-m", "market.clients=10,100000", "months=1200", "seeds=1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "each sweep cell" in lines[0] and "market.clients=100000" in lines[0]
    assert list(tmp_path.iterdir()) == []


def test_sweep_cell_is_checked_against_the_cluster_jobs_memory(tmp_path: Path) -> None:
    """On a cluster the limit is what each job asks for (mem_gb), not this machine's memory."""
    proc = subprocess.run(
        [
            VENDORSIM,
            "-m",
            "market.clients=5000",
            "months=1200",
            "seeds=1",
            "hydra/launcher=cluster_slurm",
            "hydra.launcher.mem_gb=1",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "1.0 GiB available" in proc.stderr
    assert list(tmp_path.iterdir()) == []


def cluster_answers() -> bool:
    """Whether this machine can submit to a SLURM controller that answers."""
    try:
        check_reachable({"_target_": "ChunkedSlurmLauncher"})
    except ConfigError:
        return False
    return True


def test_a_slurm_sweep_without_sbatch_is_refused_before_any_work(tmp_path: Path) -> None:
    # A laptop without SLURM: the sweep once wrote its directory, then failed in submitit.
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    line = assert_refused(
        ["-m", "seeds=1,2", "months=2", "hydra/launcher=cluster_slurm"], [], tmp_path, env
    )
    assert line == (
        "vendorsim: error: hydra/launcher submits with SLURM's sbatch, which is not on PATH "
        "here; allowed: a machine that submits to SLURM, or hydra/launcher=vendorsim_local "
        "on this one"
    )


def test_a_slurm_sweep_whose_controller_does_not_answer_is_refused(tmp_path: Path) -> None:
    if shutil.which("sbatch") is None or cluster_answers():
        pytest.skip("needs SLURM's client with no controller answering (the usual state here)")
    line = assert_refused(
        ["-m", "seeds=1,2", "months=2", "hydra/launcher=cluster_slurm"],
        ["the SLURM controller does not answer (scontrol ping:", "vendorsim_local"],
        tmp_path,
    )
    assert line.count("\n") == 0


@pytest.mark.parametrize(("cpus", "refused"), [(4, True), (2, False)])
def test_a_cluster_job_runs_as_many_processes_as_its_cpus_per_task(
    cpus: int, refused: bool, tmp_path: Path
) -> None:
    """workers=auto runs a pool over the job's cores, however many the submitting host has:
    4,800 clients x 240 months need about 1.9 GiB on 2 cores and 3.5 GiB on 4.
    """
    argv = [
        "-m",
        "market.clients=4800",
        "months=240",
        "seeds=8",
        "vendor.quality=0.5,0.6",
        "hydra/launcher=cluster_slurm",
        "hydra.launcher.mem_gb=3",
        f"hydra.launcher.cpus_per_task={cpus}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]
    if refused:
        with pytest.raises(ConfigError, match=r"about 3\.5 GiB .* than the 3\.0 GiB available"):
            preflight(argv)
    elif not cluster_answers():
        # The memory check passed; the last check, whether this machine reaches a SLURM
        # controller, refuses here (no cluster runs outside tests/test_cluster.py).
        with pytest.raises(ConfigError, match="SLURM"):
            preflight(argv)
    else:
        preflight(argv)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-3", "2.5", "many"])
def test_a_chunk_of_cells_per_hydra_job_that_is_no_whole_number_is_refused(
    tmp_path: Path, value: str
) -> None:
    key = "hydra.sweeper.cells_per_hydra_job"
    line = assert_refused(["-m", "seeds=1", f"{key}={value}"], [f"{key}=", value], tmp_path)
    assert line.endswith("allowed: a whole number >= 1")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["hydra.run.dirr=out"], ["'hydra.run.dirr'", "did you mean hydra.run.dir?"]),
        (
            ["-m", "seeds=1,2", "hydra/launcher=joblib", "hydra.launcher.n_jobz=2"],
            ["'hydra.launcher.n_jobz'", "did you mean hydra.launcher.n_jobs?", "prefer"],
        ),
        (
            ["-m", "experiment=sensitivity_morris", "sensitivity.problem.vendor.qualty=[0,1]"],
            ["did you mean sensitivity.problem.vendor.quality?", "goodwill"],
        ),
    ],
    ids=["run-dir", "launcher", "sensitivity-problem"],
)
def test_an_unknown_key_below_hydra_or_the_study_lists_its_section(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    # Hydra's own words ("Key 'dirr' not in 'RunDir'") named neither the value nor what the
    # section holds; the model's keys were already refused so.
    line = assert_refused(args, ["unknown key", *words], tmp_path)
    assert "allowed: keys under" in line


@pytest.mark.parametrize(
    ("setting", "allowed"),
    [
        ("n_trials=0", "a whole number >= 1"),
        ("n_trials=1.5", "a whole number >= 1"),
        ("n_jobs=0", "a whole number >= 1 (trials per batch)"),
        ("sampler.seed=abc", "null or a whole number >= 0"),
        ("sampler.n_startup_trials=-1", "a whole number >= 0"),
        ("direction=up", "maximize or minimize"),
    ],
)
def test_an_optuna_setting_the_search_would_fail_on_is_refused_first(
    tmp_path: Path, setting: str, allowed: str
) -> None:
    # Each of these once began the search and failed in it with a traceback ("No trials
    # are completed yet", a division by zero), leaving a sweep directory behind.
    line = assert_refused(
        ["-m", "experiment=policy_search", f"hydra.sweeper.{setting}"],
        [f"hydra.sweeper.{setting.split('=')[0]}="],
        tmp_path,
    )
    assert line.endswith(f"allowed: {allowed}")


@pytest.mark.parametrize(
    ("launcher", "setting", "words"),
    [
        ("vendorsim_local", "cells_per_job=0", ["cells_per_job=0", "null"]),
        ("vendorsim_local", "cells_per_job=2.5", ["cells_per_job=2.5", "Integer"]),
        ("vendorsim_local", "seconds_per_job=-5", ["seconds_per_job=-5", "> 0"]),
        ("joblib", "n_jobs=0", ["n_jobs=0", "other than 0"]),
    ],
)
def test_a_launcher_setting_it_would_clamp_or_fail_on_is_refused_first(
    tmp_path: Path, launcher: str, setting: str, words: list[str]
) -> None:
    argv = [
        "-m",
        "seeds=1,2",
        f"hydra/launcher={launcher}",
        f"hydra.launcher.{setting}",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
    ]
    with pytest.raises(ConfigError) as info:
        preflight(argv)
    for word in words:
        assert word in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_sweep_of_another_grid_into_a_sweeps_directory_is_refused(tmp_path: Path) -> None:
    # It once overwrote the old sweep's cell 0 and its root tables, keeping the other cells
    # only as "ignored". The same grid with another fixed setting still reruns there.
    from tests.sweep_helpers import sweep

    target = tmp_path / "sweep"
    small = ["seeds=1", "market.clients=4", "months=6"]
    sweep(target, *small, "vendor.quality=0.5,0.9")
    before = {p: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    for grid in (["vendor.quality=0.7"], ["vendor.quality=0.5,0.9", "client.readiness=0.1,0.3"]):
        args = ["-m", *small, *grid, f"hydra.sweep.dir={target}"]
        assert_refused(args, ["holds a sweep of another grid (2 cells)", "the same grid"], cwd)
    assert {p: p.read_bytes() for p in target.rglob("*") if p.is_file()} == before
    sweep(target, "seeds=1", "market.clients=4", "months=8", "vendor.quality=0.9,0.5")
