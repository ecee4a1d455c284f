"""Golden tables: a hash of every result table for a fixed set of configs.

A refactoring must leave every hash unchanged. A change that alters results on purpose
updates the hashes in its own commit and says why there; regenerate them with
``VENDORSIM_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``.

The hashes are computed in a child process held to numpy's AVX2 code path. On a CPU with
AVX-512, numpy's vectorised exp, log and power take other routes that can round the last bit
differently, so bit-for-bit hashes would depend on the machine: on such a CPU every table
but a few moved, by at most a few units in the last place (7e-15 in a 20-seed stockholm
run, every outcome the same). ``NPY_DISABLE_CPU_FEATURES`` switches those routes off where
the CPU has them and changes nothing where it does not.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vendorsim.experiment.runner import CELL_MONTH_SERIES, run_batch
from vendorsim.model import VendorMarket
from vendorsim.outcomes import labelled
from vendorsim.settings import load_config

GOLDEN = Path(__file__).with_name("golden_hashes.json")
ROOT = Path(__file__).resolve().parents[1]
SMALL = ["market.clients=12", "months=48"]
# Name -> (overrides, seeds). Every scenario, both trust rules, a batch of replicate seeds,
# a wider market with three projects each, and a sweep cell's reduced tables.
CONFIGS: dict[str, tuple[list[str], list[int]]] = {
    "baseline": ([*SMALL], [3]),
    "stockholm": (["scenario=stockholm", *SMALL], [3]),
    "captive": (["scenario=captive", *SMALL], [3]),
    "tall_commitments": (["scenario=tall_commitments", *SMALL], [3]),
    "rm_capture": (["scenario=rm_capture", *SMALL], [3]),
    "customer_obsession": (["scenario=customer_obsession", *SMALL], [3]),
    "partnership": (["scenario=partnership", *SMALL], [3]),
    "beta_trust": (["behaviour/trust=beta", *SMALL], [3]),
    "beta_trust_stockholm": (["scenario=stockholm", "behaviour/trust=beta", *SMALL], [8]),
    "replicate_batch": ([], [0, 1, 2, 3, 4]),
    "wide_market": (["market.clients=9", "market.vendors=7", "market.projects=3"], [11]),
}
SWEEP_CELL = (
    ["experiment=phase_overpromise_monitoring", "vendor.sales.overpromise=0.9"],
    [0, 1, 2, 3],
)


def table_hash(frame: pd.DataFrame) -> str:
    """A hash of the values, columns and dtypes of ``frame`` (floats bit for bit)."""
    h = hashlib.sha256()
    h.update(json.dumps([[str(c), str(t)] for c, t in frame.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return h.hexdigest()[:20]


def current_hashes() -> dict[str, dict[str, str]]:
    """Run every config and hash its tables."""
    out: dict[str, dict[str, str]] = {}
    for name, (overrides, seeds) in CONFIGS.items():
        cfg = load_config(overrides)
        model = VendorMarket(cfg, seeds=seeds)
        model.run_for(cfg.months)
        tables = labelled(model)
        out[name] = {t: table_hash(f) for t, f in tables.items()}
    overrides, seeds = SWEEP_CELL
    cell = run_batch(load_config(overrides), seeds, ("engagements", "cell_months"))
    out["sweep_cell"] = {t: table_hash(f) for t, f in cell.items()}
    assert set(CELL_MONTH_SERIES) <= set(cell["cell_months"].columns)
    return out


def beyond_avx2() -> list[str]:
    """numpy's dispatched CPU features this machine has beyond AVX2 (the AVX-512 family)."""
    try:
        from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    except ImportError:  # numpy 1.x
        from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__
    return [
        f
        for f in __cpu_dispatch__
        if __cpu_features__.get(f) and (f == "X86_V4" or f.startswith("AVX512"))
    ]


@pytest.fixture(scope="module")
def hashes() -> dict[str, dict[str, str]]:
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(beyond_avx2())}
    child = subprocess.run(
        [sys.executable, "-m", "tests.test_golden"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert child.returncode == 0, child.stderr
    return json.loads(child.stdout.splitlines()[-1])


def test_every_table_matches_its_golden_hash(hashes: dict[str, dict[str, str]]) -> None:
    if os.environ.get("VENDORSIM_UPDATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(hashes, indent=2, sort_keys=True) + "\n")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(golden) == sorted(hashes), "the set of golden configs changed"
    changed = [
        f"{name}/{table}"
        for name, tables in hashes.items()
        for table, value in tables.items()
        if golden[name].get(table) != value
    ]
    assert not changed, f"tables changed: {changed}"


def test_the_hash_sees_a_one_bit_change() -> None:
    frame = pd.DataFrame({"x": [0.1, 0.2]})
    nudged = frame.copy()
    nudged.loc[1, "x"] = 0.2 + 2**-54
    assert nudged.loc[1, "x"] != 0.2
    assert table_hash(frame) != table_hash(nudged)


def test_the_hashes_are_computed_on_numpys_avx2_path() -> None:
    env = {**os.environ, "NPY_DISABLE_CPU_FEATURES": " ".join(beyond_avx2())}
    code = "from tests.test_golden import beyond_avx2; print(beyond_avx2())"
    dispatched = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert dispatched == "[]"


if __name__ == "__main__":
    # The fixture's child process: the hashes as one line of JSON.
    print(json.dumps(current_hashes()))
