"""What a command says when Ctrl-C stops it: one line, and exit code 130 (the shell's).

Every file vendorsim writes is written whole or not at all (:func:`vendorsim.io.write_atomic`),
so running the same command again completes the work.
"""

from __future__ import annotations

import sys
from typing import NoReturn

AGAIN = "run the same command again to complete the work"
# A sweep's finished cells are kept; the plain advice would have it recompute them.
SWEEP_AGAIN = f"{AGAIN} (with resume=true, a sweep keeps the cells already done)"


def stop(command: str, advice: str = AGAIN) -> NoReturn:
    """Print ``<command>: interrupted; <advice>`` on stderr and exit with 130."""
    print(f"{command}: interrupted; {advice}", file=sys.stderr)
    raise SystemExit(130)
