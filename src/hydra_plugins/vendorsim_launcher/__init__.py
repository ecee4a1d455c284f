"""vendorsim's Hydra launchers: submitit's, with many cells per job (see ``_chunks``)."""
