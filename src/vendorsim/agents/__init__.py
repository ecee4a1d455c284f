"""The four roles of the market, one module each.

Each role is a Mesa agent with identity and the discrete choices a reader looks for. Its
numeric state lives in arrays owned by the role's state object, one slot per client, so a
month's arithmetic runs for every agent of the role at once (speed by design:
``docs/sweeps.md``, Speed). The agent's properties read and write its own slot.
"""

from __future__ import annotations

__all__ = ["ClientProcurement", "DeliveryTeam", "RelationshipManager", "Sales"]


def __getattr__(name: str) -> type:
    """Lazy, as ``vendorsim`` is: reading the ledger's lines (``agents.accounts``) for a
    figure or an explanation need not load the roles, and Mesa with them.
    """
    if name == "ClientProcurement":
        from vendorsim.agents.procurement import ClientProcurement

        return ClientProcurement
    if name == "DeliveryTeam":
        from vendorsim.agents.delivery import DeliveryTeam

        return DeliveryTeam
    if name == "RelationshipManager":
        from vendorsim.agents.relationship import RelationshipManager

        return RelationshipManager
    if name == "Sales":
        from vendorsim.agents.sales import Sales

        return Sales
    raise AttributeError(f"module 'vendorsim.agents' has no attribute {name!r}")
