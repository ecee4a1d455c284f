"""vendorsim: agent-based simulation of vendor-client dynamics in IT services.

The public API::

    from vendorsim import simulate
    results = simulate(["scenario=stockholm"], seeds=20)
    results.outcome_shares()
"""

__all__ = [
    "OUTCOMES",
    "ConfigError",
    "HorizonReached",
    "Results",
    "VendorMarket",
    "load_config",
    "simulate",
]
__version__ = "0.1.0"


def __getattr__(name: str):  # lazy: `import vendorsim` loads nothing heavy (vendorsim.commands)
    if name == "OUTCOMES":
        from vendorsim.outcomes import OUTCOMES

        return OUTCOMES
    if name in ("VendorMarket", "HorizonReached"):
        from vendorsim import model

        return getattr(model, name)
    if name in ("simulate", "Results"):
        from vendorsim import api

        return getattr(api, name)
    if name in ("ConfigError", "load_config"):
        from vendorsim import settings

        return getattr(settings, name)
    raise AttributeError(f"module 'vendorsim' has no attribute {name!r}")
