"""The ten patterns of the model brief (the same checks `vendorsim-validate` reports).

Each pattern states its own seeds and compares arms on common random numbers; a pattern
passes when every interval named in its checks lies on the expected side of zero.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vendorsim.validation import PATTERNS

VALIDATE = str(Path(sys.executable).with_name("vendorsim-validate"))


@pytest.mark.slow
@pytest.mark.parametrize("check", PATTERNS, ids=[p.__name__ for p in PATTERNS])
def test_pattern_holds(check) -> None:
    result = check()
    assert result.passed, (result.checks, result.detail)
    assert result.low <= result.effect <= result.high


def test_cli_writes_tables_and_refuses_bad_input(tmp_path: Path) -> None:
    proc = subprocess.run(
        [VALIDATE, "--only", "1", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Trust asymmetry" in proc.stdout and "PASS" in proc.stdout
    assert "ended within 1 year" in proc.stdout
    for name in ("patterns.csv", "patterns.md", "base_rates.csv", "base_rates.md"):
        assert (tmp_path / name).stat().st_size > 0
    bad = subprocess.run([VALIDATE, "--only", "11"], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--only" in bad.stderr and "1-10" in bad.stderr
