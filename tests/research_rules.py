"""A researcher's own trust rule, as source for a module the tests write outside the
package: it keeps trust as it is, or fails as it runs when told to (``crash=True``).
"""

from __future__ import annotations

CRASHING_RULE = """
class Crashing:
    def __init__(self, crash=False):
        self.crash = crash

    def new_state(self, n):
        return {}

    def start(self, state, idx, trust):
        pass

    def update(self, trust, state, signal, dependence, loss_weight):
        if self.crash:
            raise RuntimeError("this rule fails by design")
        return trust
"""
