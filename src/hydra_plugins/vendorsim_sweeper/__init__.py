"""vendorsim's sweeper plugin (Hydra accepts plugins only from the ``hydra_plugins`` package)."""
