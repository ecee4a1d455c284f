"""Swappable behaviour rules, selected in config by Hydra ``_target_``.

Each rule is a small class whose methods are numpy expressions: they work on one client or
on every client at once, so the same code serves a reader and the engine.
"""

from vendorsim.behaviours.base import BehaviourError, check_param
from vendorsim.behaviours.trust import BetaTrust, TrustRule, TwoLayerTrust

__all__ = ["BehaviourError", "BetaTrust", "TrustRule", "TwoLayerTrust", "check_param"]
