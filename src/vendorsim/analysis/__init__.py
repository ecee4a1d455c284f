"""Analyses over many runs: sensitivity (SALib, over a Hydra sweep) and policy search.

- :mod:`vendorsim.analysis.problem`: the ``sensitivity`` settings and the design;
- :mod:`vendorsim.analysis.design`: the design written at a sweep's root by its sweeper;
- :mod:`vendorsim.analysis.chunk`: one job of a sensitivity sweep (a chunk of points);
- :mod:`vendorsim.analysis.sensitivity`: indices with confidence intervals, their bar chart,
  and the analysis of a finished sweep;
- :mod:`vendorsim.analysis.metrics`: the scalar outcomes analysed;
- :mod:`vendorsim.analysis.policy`: the objective of the Optuna policy search;
- :mod:`vendorsim.analysis.callbacks`: the Hydra callbacks that finish those sweeps.

Nothing is imported here: the command line checks analysis settings on every start, and
should not pay for pandas, matplotlib or SALib to do so. See docs/sensitivity.md.
"""
