"""vendorsim's analysis sweepers: sensitivity designs and Optuna policy search.

Hydra accepts sweepers only from the ``hydra_plugins`` package and imports every module here
when it starts, so these modules import nothing heavy at the top.
"""
