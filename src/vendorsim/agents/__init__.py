"""The four roles of the market, one module each.

Each role is a Mesa agent with identity and the discrete choices a reader looks for. Its
numeric state lives in arrays owned by the role's state object, one slot per client, so a
month's arithmetic runs for every agent of the role at once (see ARCHITECTURE: speed by
design). The agent's properties read and write its own slot.
"""

from vendorsim.agents.delivery import DeliveryTeam
from vendorsim.agents.procurement import ClientProcurement
from vendorsim.agents.relationship import RelationshipManager
from vendorsim.agents.sales import Sales

__all__ = ["ClientProcurement", "DeliveryTeam", "RelationshipManager", "Sales"]
