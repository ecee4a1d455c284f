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

from vendorsim.arguments import message_line
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
    try:
        found = _locate(target)
    except _ImportFailed as failed:
        raise BehaviourError(
            f"{key}={target!r} cannot be imported: importing {failed.module} raised "
            f"{_said(failed.error)}; allowed: a module that imports"
        ) from None
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


def _said(error: BaseException) -> str:
    """An exception in one line: its type and its message's first line."""
    return f"{type(error).__name__}: {message_line(error)}"


class _ImportFailed(Exception):
    """The module a target names exists, but importing it raised."""

    def __init__(self, module: str, error: BaseException) -> None:
        super().__init__(module)
        self.module, self.error = module, error


def _locate(path: str) -> Any:
    """The object a dotted path names (a module itself, too), importing its module; None if
    there is none.

    Raises:
        _ImportFailed: the module exists, but importing it raised (a missing import of its
            own, a syntax error, an exception at import).

    """
    parts = path.split(".")
    obj: Any = None
    found = 0
    # From the top down, so that the module whose import raised is the one named.
    for cut in range(1, len(parts) + 1):
        module = ".".join(parts[:cut])
        try:
            obj = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # no such module: the rest of the path are attributes
                break
            raise _ImportFailed(module, exc) from None  # a module it imports is missing
        except Exception as exc:
            raise _ImportFailed(module, exc) from None
        found = cut
    if not found:
        return None
    for name in parts[found:]:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


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
        signature = inspect.signature(cls)
        try:
            signature.bind(**params)
        except TypeError:
            allowed = ", ".join(p for p in signature.parameters if p != "self") or "none"
            raise BehaviourError(
                f"{key}._target_={target!r} does not accept these parameters ({cause}); "
                f"allowed: {allowed}"
            ) from None
        # It takes them, and raised while it was built: its own words say why.
        raise BehaviourError(
            f"{key}._target_={target!r} raised {_said(cause)} while it was built; allowed: "
            "parameters it builds with"
        ) from None
