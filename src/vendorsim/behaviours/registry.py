"""Build behaviour rules from config by ``_target_``, and refuse ones that do not fit.

A researcher's class anywhere on the Python path works through overrides alone, e.g.
``behaviour.trust=custom behaviour.trust._target_=mypkg.MyTrust``, as long as it has the
methods of its kind's protocol. Hydra 1.3 has no allow-list for instantiation, so the
target is checked before anything is called: it must be a class (never a function such as
``os.system``) and it must have the protocol's methods.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Mapping
from typing import Any

from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from vendorsim.behaviours.base import BehaviourError
from vendorsim.behaviours.effort import EffortRule
from vendorsim.behaviours.pricing import PricingRule
from vendorsim.behaviours.switching import SwitchingRule
from vendorsim.behaviours.trust import TrustRule
from vendorsim.behaviours.vendor_management import VendorManagementRule

PROTOCOLS: dict[str, type] = {
    "trust": TrustRule,
    "pricing": PricingRule,
    "vendor_management": VendorManagementRule,
    "switching": SwitchingRule,
    "effort": EffortRule,
}
EXAMPLE = "vendorsim.behaviours.trust.TwoLayerTrust"
# Parameter values a rule takes directly; anything else goes through Hydra's instantiate.
PLAIN = (int, float, str, bool, type(None))


def protocol_methods(protocol: type) -> list[str]:
    """The public methods a class must have to satisfy ``protocol``."""
    return [n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")]


def check_class(kind: str, target: str) -> type:
    """Import ``target`` and check it is a class with the methods of ``kind``'s protocol."""
    key = f"behaviour.{kind}._target_"
    found = _locate(target)
    if not inspect.isclass(found):
        reason = "cannot be imported" if found is None else "is not a class"
        raise BehaviourError(
            f"{key}={target!r} {reason}; allowed: an importable class such as {EXAMPLE}"
        )
    cls = found
    protocol = PROTOCOLS[kind]
    needed = protocol_methods(protocol)
    missing = [m for m in needed if not callable(getattr(cls, m, None))]
    if missing:
        raise BehaviourError(
            f"{key}={target!r} does not satisfy the {protocol.__name__} protocol: missing method "
            f"{', '.join(missing)}; allowed: a class with {', '.join(needed)}"
        )
    return cls


def _locate(path: str) -> Any:
    """The object a dotted path names, importing its module; None if there is none."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name, None)
            if obj is None:
                return None
        return obj
    return None


def instantiate_behaviour(kind: str, node: DictConfig | Mapping[str, Any]) -> Any:
    """Instantiate the ``behaviour.<kind>`` node (or its resolved container) after checking
    its class.
    """
    key = f"behaviour.{kind}"
    if isinstance(node, DictConfig):
        if OmegaConf.is_missing(node, "_target_"):
            node = {}
        else:
            node = OmegaConf.to_container(node, resolve=True)  # type: ignore[assignment]
    if not isinstance(node, Mapping) or not node.get("_target_"):
        raise BehaviourError(f"{key}._target_ is not set; allowed: a class path such as {EXAMPLE}")
    target = str(node["_target_"])
    cls = check_class(kind, target)
    params = {k: v for k, v in node.items() if k != "_target_"}
    try:
        if all(isinstance(v, PLAIN) for v in params.values()) and not any(
            k.startswith("_") for k in params
        ):
            # What Hydra's instantiate does for a flat node, at a fiftieth of the cost.
            return cls(**params)
        return instantiate(OmegaConf.create(dict(node)))
    except BehaviourError:
        raise
    except Exception as exc:
        cause = exc.__cause__ if isinstance(exc, InstantiationException) else exc
        if isinstance(cause, BehaviourError):
            raise cause from None
        allowed = ", ".join(p for p in inspect.signature(cls).parameters if p != "self") or "none"
        raise BehaviourError(
            f"{key}._target_={target!r} does not accept these parameters ({cause}); "
            f"allowed: {allowed}"
        ) from None
