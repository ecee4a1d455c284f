"""Build behaviour rules from config by ``_target_``, and refuse ones that do not fit.

A researcher's class anywhere on the Python path works through overrides alone, e.g.
``behaviour.trust._target_=mypkg.MyTrust``, as long as it has the protocol's methods.
"""

from __future__ import annotations

import inspect
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from vendorsim.behaviours.base import BehaviourError
from vendorsim.behaviours.trust import TrustRule

PROTOCOLS: dict[str, type] = {"trust": TrustRule}


def protocol_methods(protocol: type) -> list[str]:
    """The public methods a class must have to satisfy ``protocol``."""
    return [n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")]


def instantiate_behaviour(kind: str, node: DictConfig) -> Any:
    """Instantiate the ``behaviour.<kind>`` node and check it against its protocol."""
    key = f"behaviour.{kind}"
    target = OmegaConf.select(node, "_target_") if isinstance(node, DictConfig) else None
    if not target:
        raise BehaviourError(
            f"{key} has no _target_; allowed: a class path such as "
            f"vendorsim.behaviours.trust.TwoLayerTrust"
        )
    try:
        rule = instantiate(node)
    except InstantiationException as exc:
        cause = exc.__cause__
        if isinstance(cause, BehaviourError):
            raise cause from None
        if isinstance(cause, TypeError) and "argument" in str(cause):
            raise BehaviourError(
                f"{key}._target_={target!r} does not accept these parameters "
                f"({cause}); allowed: the parameters of its __init__"
            ) from None
        raise BehaviourError(
            f"{key}._target_={target!r} cannot be imported or built; allowed: an "
            f"importable class path such as vendorsim.behaviours.trust.TwoLayerTrust"
        ) from None
    protocol = PROTOCOLS[kind]
    missing = [m for m in protocol_methods(protocol) if not callable(getattr(rule, m, None))]
    if missing or inspect.isfunction(rule):
        raise BehaviourError(
            f"{key}._target_={target!r} does not satisfy the {protocol.__name__} "
            f"protocol: missing method {', '.join(missing) or '(it is a function)'}; "
            f"allowed: a class with {', '.join(protocol_methods(protocol))}"
        )
    return rule
