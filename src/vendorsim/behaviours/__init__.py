"""Swappable behaviour rules, selected in config by Hydra ``_target_``.

Each rule is a small class whose methods are numpy expressions: they work on one client or
on every client at once, so the same code serves a reader and the engine. Each kind has a
protocol (the methods a rule must have); ``docs/extending.md`` shows how to write your own.
"""

from vendorsim.behaviours.base import BehaviourError, check_param
from vendorsim.behaviours.effort import EffortRule, HiddenCostOfControl
from vendorsim.behaviours.pricing import PricingRule, RMAdvocacy
from vendorsim.behaviours.switching import LossAverseLogit, SwitchingRule
from vendorsim.behaviours.trust import BetaTrust, TrustRule, TwoLayerTrust
from vendorsim.behaviours.vendor_management import ReactiveLevers, VendorManagementRule

__all__ = [
    "BehaviourError",
    "BetaTrust",
    "EffortRule",
    "HiddenCostOfControl",
    "LossAverseLogit",
    "PricingRule",
    "RMAdvocacy",
    "ReactiveLevers",
    "SwitchingRule",
    "TrustRule",
    "TwoLayerTrust",
    "VendorManagementRule",
    "check_param",
]
