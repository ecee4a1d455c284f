"""Sensitivity analysis: the settings, the indices on a known function, and real Hydra sweeps.

The end-to-end sweeps sample ``vendor.quality`` (which drives trust) and
``client.partnership_trust``, which only decides whether a running engagement is labelled
partnership or ongoing: it is inert for final trust, organ rejection and lock-in, so its
indices must be exactly zero and quality must rank first, for Morris and for Sobol.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from tests.sweep_helpers import VENDORSIM, env, job_dirs, sweep
from vendorsim.analysis.chunk import point_container
from vendorsim.analysis.metrics import metric_values
from vendorsim.analysis.problem import settings_from_config
from vendorsim.analysis.sensitivity import analyse_sweep, indices, indices_figure
from vendorsim.experiment.sweepdir import PROBLEM_FILE, SAMPLES_FILE
from vendorsim.settings import ConfigError, load_config
from vendorsim.viz.style import headline_of

pytest.importorskip("SALib", reason="the sensitivity extra is not installed")

QUALITY, INERT = "vendor.quality", "client.partnership_trust"
TINY_PROBLEM = [
    "~sensitivity.problem",
    "+sensitivity.problem={vendor:{quality:[0.3,0.9]},client:{partnership_trust:[0.3,0.9]}}",
]
TINY = ["seeds=2", "market.clients=8", "months=24", "sensitivity.samples_per_job=16"]


def synthetic_settings(method: str) -> object:
    return settings_from_config(
        {
            "method": method,
            "trajectories": 40,
            "base_samples": 512,
            "problem": {
                "vendor": {"quality": [0, 1]},
                "client": {"readiness": [0, 1], "partnership_trust": [0, 1]},
            },
        }
    )


@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_indices_rank_a_known_function(method: str) -> None:
    # y = 4 q + r: quality matters most, readiness less, partnership_trust not at all.
    s = synthetic_settings(method)
    x = s.sample()
    y = 4 * x[:, 0] + x[:, 1] + 0 * x[:, 2]
    t = indices(s, x, y).set_index("parameter")
    main = "mu_star" if method == "morris" else "ST"
    assert t.loc[QUALITY, "rank"] == 1 and t.loc["client.readiness", "rank"] == 2
    assert t.loc[INERT, main] == pytest.approx(0, abs=1e-12)
    assert (t[f"{main}_low"] <= t[main]).all() and (t[main] <= t[f"{main}_high"]).all()
    # The bootstrap is seeded: the same intervals every time.
    again = indices(s, x, y).set_index("parameter")
    pd.testing.assert_frame_equal(t, again)
    if method == "sobol":
        # Additive: ST = S1 = 16/17 and 1/17 (variances 16/12 and 1/12), within the CI.
        assert t.loc[QUALITY, "ST_low"] <= 16 / 17 <= t.loc[QUALITY, "ST_high"]
        assert t.loc["client.readiness", "S1_low"] <= 1 / 17 <= t.loc["client.readiness", "S1_high"]


def test_integer_factors_take_every_whole_value_equally_often() -> None:
    s = settings_from_config(
        {
            "method": "sobol",
            "base_samples": 256,
            "problem": {"client": {"history": {"failed_vendors": [0, 3]}, "readiness": [0, 1]}},
        }
    )
    (f, _) = s.factors
    values = [f.value(v) for v in s.sample()[:, 0]]
    counts = np.bincount(values)
    assert len(counts) == 4 and all(isinstance(v, int) for v in values)
    # 1,024 points over 4 values: each within 20% of 256 (a Sobol' sequence is near-uniform).
    assert counts.min() > 0.8 * 256 and counts.max() < 1.2 * 256


def test_a_point_sets_parameters_that_behaviours_read_by_interpolation() -> None:
    # The switching and vendor-management rules read client.* through ${...}: a design point
    # must change what they see, not only the public key.
    cfg = load_config([])
    base = OmegaConf.to_container(cfg, resolve=False)
    point = point_container(
        base, {"client.loss_aversion": 3.0, "client.vendor_management.monitoring": 0.5}
    )
    assert point["client"]["loss_aversion"] == 3.0
    assert point["behaviour"]["switching"]["loss_aversion"] == 3.0
    assert point["behaviour"]["vendor_management"]["monitoring"] == 0.5
    assert "${" not in json.dumps(point)


@pytest.mark.parametrize(
    ("node", "fragment"),
    [
        ({"outcome": "profit"}, "sensitivity.outcome='profit' is not allowed"),
        ({"method": "sobol", "base_samples": 100}, "allowed: a power of two"),
        ({"problem": {"vendor": {"pricing": [0, 1]}}}, "allowed: a numeric parameter"),
        ({"problem": {"vendor": {"quality": [0.9, 0.3]}}}, "lo < hi"),
        ({"problem": {"client": {"readiness": [0, 2]}}}, "is out of range"),
        ({"problem": {"vendor": {"qualty": [0, 1]}}}, "unknown parameter 'vendor.qualty'"),
        ({"trajectory": 3}, "unknown key 'sensitivity.trajectory'"),
    ],
)
def test_bad_settings_are_refused_in_one_line(node: dict, fragment: str) -> None:
    base = {"problem": {"vendor": {"quality": [0.3, 0.9]}, "client": {"readiness": [0, 0.4]}}}
    with pytest.raises(ConfigError) as err:
        settings_from_config({**base, **node})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_figure_headline_names_the_top_parameter() -> None:
    s = synthetic_settings("sobol")
    x = s.sample()
    t = indices(s, x, 4 * x[:, 0] + x[:, 1])
    fig = indices_figure(t, "sobol", "mean_trust")
    assert headline_of(fig).startswith("Quality moves the mean final trust most")
    assert len(fig.axes) == 1


# The documented settings conf_level and resamples are set as plain keys (they once needed a
# "+", being absent from the experiments' configs).
SETTINGS = ["sensitivity.conf_level=0.9", "sensitivity.resamples=200"]
TINY_MORRIS = ["sensitivity.trajectories=6", *SETTINGS]
TINY_SOBOL = ["sensitivity.base_samples=8", *SETTINGS]


@pytest.fixture(scope="module")
def tiny_sweeps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A Morris and a Sobol sweep of the tiny problem at both pricing levels."""
    root = tmp_path_factory.mktemp("sensitivity")
    out = {}
    for method, extra in (("morris", TINY_MORRIS), ("sobol", TINY_SOBOL)):
        out[method] = root / method
        sweep(
            out[method],
            f"experiment=sensitivity_{method}",
            "sensitivity.outcome=mean_trust",
            *TINY_PROBLEM,
            *TINY,
            *extra,
        )
    return out


@pytest.mark.slow
@pytest.mark.parametrize("method", ["morris", "sobol"])
def test_sweep_ranks_quality_first_and_the_inert_parameter_at_zero(
    tiny_sweeps: dict[str, Path], method: str
) -> None:
    d = tiny_sweeps[method]
    problem = json.loads((d / PROBLEM_FILE).read_text())
    samples = pd.read_parquet(d / SAMPLES_FILE)
    assert len(samples) == problem["samples"] == (18 if method == "morris" else 32)
    assert (problem["conf_level"], problem["resamples"]) == (0.9, 200)
    # One job per chunk of 16 points at each of the two pricing levels.
    assert len(job_dirs(d)) == 2 * problem["chunks"] == 4
    table = pd.read_csv(d / "sensitivity_mean_trust.csv")
    assert set(table["level"]) == {"vendor.pricing=value", "vendor.pricing=discretionary"}
    main = "mu_star" if method == "morris" else "ST"
    for _, t in table.groupby("level"):
        t = t.set_index("parameter")
        assert t.loc[QUALITY, "rank"] == 1
        assert t.loc[QUALITY, main] > 0.05
        assert t.loc[INERT, main] == pytest.approx(0, abs=1e-12)
    assert (d / "sensitivity_mean_trust.png").stat().st_size > 10_000
    # Every point of every level ran, over both seeds.
    points = pd.read_csv(d / "sensitivity_mean_trust_points.csv")
    assert len(points) == 2 * len(samples) and (points["n"] > 0).all()
    agg = json.loads((d / "sweep.json").read_text())
    assert agg["missing"] == [] and agg["cells"] == 4


@pytest.mark.slow
def test_analysis_command_gives_another_outcome_without_rerunning(
    tiny_sweeps: dict[str, Path],
) -> None:
    d = tiny_sweeps["sobol"]
    proc = subprocess.run(
        [sys.executable, "-m", "vendorsim.analysis.sensitivity", str(d), "--outcome", "lock_in"],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(d / "sensitivity_lock_in.csv").set_index("parameter")
    assert (table.loc[INERT, "ST"] == 0).all()
    assert "lock_in (vendor.pricing=value)" in proc.stdout


@pytest.mark.slow
def test_resume_skips_complete_chunks_and_a_missing_chunk_is_named(
    tiny_sweeps: dict[str, Path], tmp_path: Path
) -> None:
    d = tmp_path / "copy"
    shutil.copytree(tiny_sweeps["morris"], d)
    stamps = {p.name: (p / "complete.json").stat().st_mtime_ns for p in job_dirs(d)}
    args = ["sensitivity.outcome=mean_trust", *TINY_PROBLEM, *TINY, *TINY_MORRIS]
    proc = sweep(d, "experiment=sensitivity_morris", *args, "resume=true")
    assert "skipped (resume=true)" in proc.stdout + proc.stderr
    assert {p.name: (p / "complete.json").stat().st_mtime_ns for p in job_dirs(d)} == stamps
    shutil.rmtree(job_dirs(d)[0])
    # Refused before the aggregate rewrites anything: the root tables once kept only the
    # chunks left, beside indices computed from all of them.
    before = {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()}
    with pytest.raises(ConfigError, match=r"lacks 1 of its cells .*resume=true"):
        analyse_sweep(d, "mean_trust", aggregate_first=True, figure=False)
    assert {p.name: p.read_bytes() for p in d.iterdir() if p.is_file()} == before
    # Read without aggregating again, the design points missing from the tables are named.
    (d / "engagements.parquet").write_bytes(
        pd.read_parquet(d / "engagements.parquet").query("sample >= 16").to_parquet()
    )
    with pytest.raises(ConfigError, match="misses 16 of 18 design points"):
        analyse_sweep(d, "mean_trust", figure=False)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["sensitivity.outcome=profit"], "sensitivity.outcome='profit' is not allowed"),
        (["vendor.quality=0.5,0.9"], "vendor.quality is both sampled"),
        # One value was once replaced by the design's without a word.
        (["vendor.quality=0.1"], "vendor.quality is sampled (sensitivity.problem), so the"),
        (["+sensitivity.chunk=0"], "sensitivity.chunk is set by the sensitivity sweeper"),
        (["sensitivity.problem.client.readiness=[0,3]"], "is out of range"),
    ],
)
def test_bad_sensitivity_sweeps_are_refused_before_any_work(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    d = tmp_path / "sweep"
    proc = subprocess.run(
        [VENDORSIM, "-m", "experiment=sensitivity_morris", *args, f"hydra.sweep.dir={d}"],
        capture_output=True,
        text=True,
        env=env(),
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0]
    assert not d.exists()


def test_a_margin_counts_only_the_engagements_that_have_one() -> None:
    # An engagement won in the horizon's last month has no margin (NaN): it must not count
    # toward a point's n, nor pull its mean toward zero.
    e = pd.DataFrame(
        {
            "vendor": [0, 0, 0, 0, 1],
            "sample": [0, 0, 1, 1, 0],
            "vendor_margin": [0.1, np.nan, np.nan, np.nan, 0.5],
            "final_trust": [0.5, 0.4, 0.3, 0.2, 0.9],
            "outcome": ["partnership", "ongoing", "ongoing", "ongoing", "churn"],
        }
    )
    margin = metric_values(e, "vendor_margin", ["sample"]).set_index("sample")
    assert margin.loc[0, "value"] == pytest.approx(0.1) and margin.loc[0, "n"] == 1
    assert np.isnan(margin.loc[1, "value"]) and margin.loc[1, "n"] == 0
    trust = metric_values(e, "mean_trust", ["sample"]).set_index("sample")
    assert list(trust["n"]) == [2, 2]
