"""Running cells of seeds, sweeps, aggregation and resume."""
