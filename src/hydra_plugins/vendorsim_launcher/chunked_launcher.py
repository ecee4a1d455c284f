"""Register the chunked submitit launchers with Hydra (the classes live in ``_chunks``).

``hydra/launcher=vendorsim_slurm`` and ``hydra/launcher=vendorsim_local`` are
hydra-submitit-launcher's ``submitit_slurm`` and ``submitit_local`` plus ``cells_per_job``
and ``seconds_per_job``; ``configs/hydra/launcher/cluster_slurm.yaml`` builds on the first.
Without the ``cluster`` extra (no submitit) there is nothing to register.
"""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

try:
    from hydra_plugins.vendorsim_launcher._chunks import (
        ChunkedLocalConf,
        ChunkedLocalLauncher,
        ChunkedSlurmConf,
        ChunkedSlurmLauncher,
    )
except ImportError:  # the cluster extra is not installed
    pass
else:
    __all__ = ["ChunkedLocalLauncher", "ChunkedSlurmLauncher"]
    ConfigStore.instance().store(
        group="hydra/launcher", name="vendorsim_slurm", node=ChunkedSlurmConf, provider="vendorsim"
    )
    ConfigStore.instance().store(
        group="hydra/launcher", name="vendorsim_local", node=ChunkedLocalConf, provider="vendorsim"
    )
