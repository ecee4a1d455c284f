"""What produced a result: the installed versions of vendorsim and of the libraries its
results depend on, written beside the results and printed by ``--version``.
"""

from __future__ import annotations

import functools
import sys
from importlib.metadata import version

# Distribution name -> how it is named in the record.
LIBRARIES = {"vendorsim": "vendorsim", "mesa": "mesa", "hydra-core": "hydra", "numpy": "numpy"}


@functools.cache
def versions() -> dict[str, str]:
    """The versions, read once per process from the installed packages' metadata."""
    found = {name: version(dist) for dist, name in LIBRARIES.items()}
    return found | {"python": sys.version.split()[0]}


def version_line() -> str:
    """``vendorsim 0.1.0 (Mesa 3.5.1, Hydra 1.3.8, numpy 2.5.5, Python 3.13.0)``."""
    v = versions()
    return (
        f"vendorsim {v['vendorsim']} (Mesa {v['mesa']}, Hydra {v['hydra']}, "
        f"numpy {v['numpy']}, Python {v['python']})"
    )
