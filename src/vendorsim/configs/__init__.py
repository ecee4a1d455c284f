"""The Hydra config tree (pkg://vendorsim.configs); configs/ at the repo root links here."""
