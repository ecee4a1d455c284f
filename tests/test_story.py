"""Every engagement that did not end in partnership or ongoing has a story naming the
events that led to its outcome."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from vendorsim import Results, simulate
from vendorsim.story import tell

# Events that tell how each outcome came about; a story must name at least one.
LEADS_TO = {
    "organ_rejection": {
        "suspicion_raised",
        "monitoring_tightened",
        "vendor_walkaway",
        "client_switch",
        "legal_exit",
    },
    "lock_in": {"stayed_captive"},
    "legal_exit": {"exit_with_penalty"},
    "burnout_collapse": {"burnout"},
    "discount_spiral": {"price_concession"},
    "churn": {"client_switch", "vendor_walkaway", "legal_exit"},
}


@pytest.fixture(scope="module")
def mixed() -> list[Results]:
    return [
        simulate([f"scenario={s}", "market.clients=10"], seeds=2)
        for s in ("stockholm", "captive", "tall_commitments", "rm_capture", "customer_obsession")
    ]


@pytest.mark.slow
def test_every_notable_engagement_has_a_story_that_names_its_causes(mixed) -> None:
    checked = 0
    for results in mixed:
        e, ev = results.engagements, results.events
        notable = e[~e["outcome"].isin(["partnership", "ongoing"])]
        for _, row in notable.iterrows():
            mine = ev[(ev["seed"] == row["seed"]) & (ev["engagement"] == row["engagement"])]
            assert set(mine["event"]) & LEADS_TO[row["outcome"]], (
                row["outcome"],
                sorted(set(mine["event"])),
            )
            text = results.story(int(row["seed"]), int(row["client"]))
            assert f"outcome: {row['outcome']}" in text
            checked += 1
    assert checked > 50


def test_story_lines_show_month_actor_cause_trust_and_margin(small_results: Results) -> None:
    e = small_results.engagements
    row = e.sort_values("months").iloc[-1]
    text = tell(small_results, int(row["seed"]), int(row["client"]), routine=True)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("month")]
    # The opening is logged at the tender, before any month: it gives the trust it starts
    # at (it once read "the month: trust 0.16->0.16", though month 2 began at 0.20).
    opening = lines[0]
    assert "won the engagement" in opening and "| trust starts at " in opening
    assert "the month:" not in opening
    line = next(ln for ln in lines if "won the engagement" not in ln)
    assert "|" in line and "because" in line and "trust" in line and "margin" in line
    # The change is the month's, which may hold several events: the line says so.
    assert "the month: trust" in line


def test_unknown_client_is_a_clear_error(small_results: Results) -> None:
    with pytest.raises(KeyError, match="no engagements for seed=0, client=999"):
        small_results.story(0, 999)


def test_story_cli(small_results: Results, tmp_path: Path) -> None:
    small_results.save(tmp_path)
    exe = str(Path(sys.executable).with_name("vendorsim-story"))
    listing = subprocess.run([exe, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert listing.returncode == 0 and "seed" in listing.stdout
    row = pd.read_parquet(tmp_path / "engagements.parquet").iloc[0]
    one = subprocess.run(
        [exe, str(tmp_path), "--seed", str(row["seed"]), "--client", str(row["client"])],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert one.returncode == 0 and f"Client {row['client']}" in one.stdout
    bad = subprocess.run(
        [exe, str(tmp_path / "nowhere")], capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2 and "engagements.parquet" in bad.stderr
    # A seed the run does not have is refused, not answered with an empty listing.
    absent = max(small_results.seeds) + 1
    other = subprocess.run(
        [exe, str(tmp_path), "--seed", str(absent)], capture_output=True, text=True, timeout=120
    )
    assert other.returncode == 2 and other.stdout == ""
    assert f"--seed={absent}" in other.stderr and len(other.stderr.splitlines()) == 1
    # A client the seed's market lacks: the same words as the why's, with what is allowed.
    clients = small_results.engagements["client"]
    missing = subprocess.run(
        [exe, str(tmp_path), "--seed", str(row["seed"]), "--client", "999"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and missing.stderr.strip().splitlines() == [
        f"vendorsim-story: error: --client=999 is not in seed {row['seed']}'s market; "
        f"allowed: {clients.min()}..{clients.max()}"
    ]
