"""Before a sweep is handed to SLURM: does this machine reach a cluster that answers.

Without it, a sweep on ``hydra/launcher=cluster_slurm`` wrote its sweep directory and then
failed inside submitit with sbatch's own error and a long traceback: on a laptop with no
SLURM, or on a login node whose controller is down or not configured.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

from vendorsim.settings import ConfigError

# How long the controller may take to answer a ping. A healthy one answers at once; an
# unconfigured client retries for a minute before it gives up.
PING_SECONDS = 10.0
ALTERNATIVE = "a machine that submits to SLURM, or hydra/launcher=vendorsim_local on this one"


def submits_to_slurm(launcher: Any) -> bool:
    """Whether the launcher config submits jobs with sbatch (vendorsim's or submitit's)."""
    return launcher is not None and str(launcher.get("_target_", "")).endswith("SlurmLauncher")


def check_reachable(launcher: Any) -> None:
    """Refuse, in one line, a SLURM launcher on a machine without ``sbatch`` or whose
    controller does not answer ``scontrol ping``.
    """
    if not submits_to_slurm(launcher):
        return
    if shutil.which("sbatch") is None:
        raise ConfigError(
            "hydra/launcher submits with SLURM's sbatch, which is not on PATH here; "
            f"allowed: {ALTERNATIVE}"
        )
    if shutil.which("scontrol") is None:
        return  # a client without scontrol: sbatch itself will tell
    try:
        ping = subprocess.run(
            ["scontrol", "ping"], capture_output=True, text=True, timeout=PING_SECONDS
        )
    except subprocess.TimeoutExpired:
        said = f"no answer within {PING_SECONDS:g} s"
    else:
        said = _last_words(ping)
        if ping.returncode == 0 and "DOWN" not in ping.stdout:
            return
    raise ConfigError(
        f"the SLURM controller does not answer (scontrol ping: {said}); allowed: {ALTERNATIVE}"
    )


def _last_words(proc: subprocess.CompletedProcess) -> str:
    """The last line scontrol printed: its verdict ("... is DOWN", "fatal: ...")."""
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    return lines[-1].strip() if lines else f"exit code {proc.returncode}"
