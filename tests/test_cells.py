"""Sweep cells in one model: each cell's tables are exactly those of its lone run."""

from __future__ import annotations

import pandas as pd
import pytest
from omegaconf import OmegaConf

from vendorsim.behaviours.vendor_management import ReactiveLevers
from vendorsim.cells import BATCHABLE, CellBatch, batch_key
from vendorsim.experiment.runner import run_batch, run_cells
from vendorsim.results import TABLES
from vendorsim.settings import load_config, select

SEEDS = [4, 11, 12]
SMALL = ["market.clients=12", "months=36"]


def _cell(*overrides: str) -> dict:
    return OmegaConf.to_container(load_config([*SMALL, *overrides]), resolve=True)  # type: ignore[return-value]


@pytest.mark.parametrize(
    "grid",
    [
        # The phase diagram's two axes: a focal policy and a client lever.
        [
            (f"vendor.sales.overpromise={o}", f"client.vendor_management.monitoring={m}")
            for o in (0, 1.2)
            for m in (0.05, 0.7)
        ],
        # Every other kind: a flag held as text, a capability, the other levers.
        [
            ("vendor.pricing=discretionary", "vendor.quality=0.9"),
            ("vendor.pricing=value", "client.vendor_management.competitive_tension=0.8"),
            ("vendor.rm.rotation_months=12", "client.vendor_management.insurance=0"),
        ],
    ],
    ids=["phase", "mixed"],
)
def test_each_cell_of_a_shared_model_gives_its_lone_tables(grid: list[tuple[str, ...]]) -> None:
    cells = [_cell(*overrides) for overrides in grid]
    together = run_cells(cells, SEEDS, (*TABLES, "cell_months"))
    for cell, got in zip(cells, together, strict=True):
        alone = run_batch(cell, SEEDS, (*TABLES, "cell_months"))
        for name, frame in alone.items():
            pd.testing.assert_frame_equal(frame, got[name], obj=name)
    # The cells did differ: the shared model did not run one config four times.
    shares = [t["engagements"]["outcome"].value_counts().to_dict() for t in together]
    assert len({str(s) for s in shares}) == len(cells)


def test_cells_that_differ_elsewhere_are_refused() -> None:
    a, b = _cell(), _cell("client.readiness=0.3")
    assert batch_key(a) != batch_key(b)
    with pytest.raises(ValueError, match="may differ only in these keys"):
        CellBatch.of([a, b], seeds=2)


class OwnLevers(ReactiveLevers):
    """A researcher's own vendor-management rule (here the built-in one under another name)."""


def test_a_custom_lever_rule_keeps_the_levels_out_of_the_batch() -> None:
    """A researcher's own rule may not take per-client arrays: its cells must match."""
    built_in = [_cell("client.vendor_management.monitoring=0.1"), _cell()]
    assert batch_key(built_in[0]) == batch_key(built_in[1])
    own = [
        _cell(
            "behaviour.vendor_management=custom",
            f"behaviour.vendor_management._target_={__name__}.OwnLevers",
            f"+behaviour.vendor_management.monitoring={m}",
        )
        for m in (0.1, 0.2)
    ]
    assert batch_key(own[0]) != batch_key(own[1])


def test_every_batchable_key_exists_in_the_config() -> None:
    plain = _cell()
    assert all(select(plain, key) is not None for key in BATCHABLE)
