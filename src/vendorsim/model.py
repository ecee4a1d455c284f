"""VendorMarket: the market of clients and vendors, and the order of a month."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from omegaconf import DictConfig

from vendorsim.accounts import Accounts
from vendorsim.agents.delivery import DeliveryTeam, TeamState
from vendorsim.agents.procurement import SEGMENT_TRUST_DISCOUNT, ClientProcurement, ClientState
from vendorsim.agents.relationship import CAPTURED, RelationshipManager, RMState
from vendorsim.agents.sales import BID_NOISE, Sales
from vendorsim.behaviours.trust import TrustRule
from vendorsim.config import VendorsimConfig
from vendorsim.engagements import EngagementBook
from vendorsim.events import EventLog
from vendorsim.outcomes import classify
from vendorsim.recorder import Recorder
from vendorsim.replicates import Replicates
from vendorsim.settings import load_config, params_to_overrides, resolve
from vendorsim.vendors import VendorTable

# Mesa logs every step at INFO; a sweep's job logs would drown in it.
logging.getLogger("MESA").setLevel(logging.WARNING)

ESCALATION_STEPS = ("complaint", "penalty", "legal_recourse", "exit_with_penalty")
# Price levels whose crossing the event log reports as a concession milestone.
CONCESSION_LEVELS = np.array([0.98, 0.95, 0.9, 0.8, 0.7, 0.6])
# People a vendor sends to rescue an engagement, and the months they stay (after which it
# can rescue it again).
RESCUE_STAFF, REACTION_COOLDOWN = 2.0, 6.0
# Rescues a vendor will fund on one engagement before it stops throwing people at it.
MAX_RESCUES = 2
# Monthly chance that unused, oversold scope is discovered, per unit oversold share.
OVERSELL_DISCOVERY = 0.1
# The tables a run produces.
RESULT_TABLES = ("engagements", "timeseries", "events")
# Why an engagement ended, as the event log says it.
END_CAUSES = {
    "client_switch": "an alternative looked worth more, net of the switching cost",
    "legal_exit": "the dispute ladder reached exit with penalty",
    "vendor_walkaway": "the margin stayed below the floor for too long",
}


class VendorMarket(mesa.Model):
    """C clients and V vendors trading engagements month by month.

    Vendor 0 is the focal vendor whose policies come from ``cfg.vendor``. Each client
    holds one engagement at a time with one vendor; a delivery team and a relationship
    manager serve it, and the vendor's Sales agent won it in a tender.

    With ``seeds``, one model holds one independent market per seed (see
    :mod:`vendorsim.replicates`): a sweep's seeds then share each month's numpy calls, and each
    seed's results are identical to its market run alone. Slots and vendors are then numbered
    across the markets; the result tables number them within each market and add a ``seed``
    column.

    Args:
        config: a composed and validated config (see :func:`vendorsim.settings.load_config`),
            or its resolved container. If omitted, one is composed from ``params``.
        rng: seed or generator; defaults to ``config.seed``.
        seeds: run one market per seed instead (not with ``rng``).
        **params: parameters by short name or dotted key with ``__`` for dots, e.g.
            ``overpromise=0.5`` or ``client__readiness=0.3``; used only without ``config``.

    """

    def __init__(
        self,
        config: DictConfig | dict[str, Any] | None = None,
        *,
        rng: Any = None,
        seeds: Sequence[int] | None = None,
        **params: Any,
    ) -> None:
        if config is None:
            config = load_config(params_to_overrides(params))
        elif params:
            raise TypeError("pass either a config or keyword parameters, not both")
        if seeds is not None:
            if rng is not None:
                raise TypeError("pass either rng or seeds, not both")
            seeds = [int(s) for s in seeds]
            if not seeds:
                raise ValueError("seeds=[] is empty; allowed: one seed or more")
            rng = seeds[0]
        self.cfg: VendorsimConfig
        self.behaviours: dict[str, Any]
        self.cfg, self.behaviours = resolve(config)
        self.trust_rule: TrustRule = self.behaviours["trust"]
        super().__init__(rng=self.cfg.seed if rng is None else rng)
        cfg = self.cfg
        self.replicates = Replicates.build(
            seeds or [self._seed],
            cfg.market.clients,
            cfg.market.vendors,
            first=(self.rng, self.random),
            tagged=seeds is not None,
        )
        n = self.replicates.slots
        self.month = 0
        self.vendors = VendorTable.draw(cfg, self.replicates.rngs)
        self.vendor_of = np.zeros(n, dtype=np.int64)
        self.teams = TeamState.empty(n, cfg.market.projects)
        self.rms = RMState.empty(n)
        self.accounts = Accounts.empty(n)
        self.clients = ClientState.populate(self)
        self.book = EngagementBook(n, per_market=cfg.market.clients)
        self.events = EventLog()
        self.recorder = Recorder(cfg.months, n)
        self.sales = [Sales(self, v) for v in range(len(self.vendors.capability))]
        v = cfg.market.vendors
        # Each market's Sales agents shuffle with that market's own stream.
        self.sales_by_market = [
            AgentSet(self.sales[r * v : (r + 1) * v], random=self.replicates.randoms[r])
            for r in range(self.replicates.count)
        ]
        self.clients_held: list[int] = [0] * len(self.sales)
        self._vendors_by_market = np.arange(len(self.sales)).reshape(-1, v)
        self.procurement = [ClientProcurement(self, i) for i in range(n)]
        self.team_of: list[DeliveryTeam | None] = [None] * n
        self.rm_of: list[RelationshipManager | None] = [None] * n
        self._oversell_found = np.zeros(n, dtype=bool)
        self._reaction_cooldown = np.zeros(n)
        self._rescuers = np.zeros(n)
        self._rescues = np.zeros(n)
        self.forced_incidents: tuple[np.ndarray, int] | None = None
        # Engagements ended by this month's choices; they are replaced when the choices are done.
        self._ending: list[tuple[int, str, int, float, int, np.ndarray]] = []
        # Competitive-tension targets while the month's choices are made (no choice moves
        # another client's), so each tender need not compute its own.
        self._month_tension: np.ndarray | None = None
        self._open_market()
        self._closed = False
        self._results: dict[Any, pd.DataFrame] = {}

    # ----------------------------------------------------------------- the month
    def step(self) -> None:
        """One month: sell, deliver, assess, manage, settle, then act on the choices made."""
        self.clients_held = np.bincount(self.vendor_of, minlength=len(self.sales)).tolist()
        for sales in self.sales_by_market:
            sales.shuffle_do("step")
        DeliveryTeam.deliver_month(self)
        ClientProcurement.assess_month(self)
        self._discover_overselling()
        RelationshipManager.manage_month(self)
        self.accounts.settle(self)
        self.vendors.learn_reputation(self.vendor_of, self.teams.quality.mean(axis=1))
        self.book.record_month(self)
        self._log_month()
        self.recorder.record(self)
        self._act()
        self.month += 1
        if self.month >= self.cfg.months:
            self.running = False

    def inject_incident(self, clients: np.ndarray | list[int], project: int = 0) -> None:
        """Make ``project`` fail outright next month for ``clients``: a serious incident.

        For experiments and workshops ("what does one incident do to the programme?"); the
        rest of the month runs as usual.
        """
        slots = np.asarray(clients, dtype=np.int64)
        if not 0 <= project < self.cfg.market.projects:
            raise ValueError(
                f"project={project} is out of range; allowed: 0..{self.cfg.market.projects - 1}"
            )
        self.forced_incidents = (slots, project)

    def months_to_renewal(self) -> np.ndarray:
        """Months until each client's contract renews (1 in its last month)."""
        term = self.cfg.market.contract_months
        return term - (self.month - self.book.start) % term

    def incumbent_markup(self) -> float:
        """Price factor an incumbent charges a client held by its switching cost."""
        return 1.0 + self.cfg.market.holdup * self.cfg.client.switching_cost

    def alternative_quality(self) -> np.ndarray:
        """Each client's realistic alternative quality: the other vendors' mean reputation."""
        return self.vendors.alternatives_for(self.vendor_of, self.cfg.market.vendors)

    def run(self) -> dict[str, pd.DataFrame]:
        """Run to the horizon and return the engagements, timeseries and events tables."""
        self.run_for(self.cfg.months - self.month)
        return self.results()

    def results(
        self, tables: Sequence[str] = RESULT_TABLES, series: Sequence[str] | None = None
    ) -> dict[str, pd.DataFrame]:
        """The run's tables; engagements still running are closed at the horizon.

        Args:
            tables: which of :data:`RESULT_TABLES` to build (a sweep needs fewer).
            series: the time series to include in ``timeseries`` (default: all).

        """
        reps = self.replicates
        if not self._closed:
            self.book.close(self, np.arange(reps.slots), self.month, reason="")
            self._closed = True
        out = {}
        for name in tables:
            key = name if series is None or name != "timeseries" else (name, *series)
            if key not in self._results:
                if name == "engagements":
                    engagements = reps.localise(self.book.to_frame())
                    frame = self._labelled(engagements, horizon=self.cfg.months)
                elif name == "timeseries":
                    frame = self.recorder.to_frame(self.month, reps, series)
                elif name == "events":
                    frame = reps.localise(self.events.to_frame(), regroup=True)
                else:
                    raise ValueError(f"unknown table {name!r}; allowed: {RESULT_TABLES}")
                self._results[key] = frame
            out[name] = self._results[key]
        return out

    def engagements_so_far(self) -> pd.DataFrame:
        """Every engagement so far, labelled as if the run stopped this month.

        For dashboards and notebooks that watch a running market; the model is not changed.
        """
        engagements = self.replicates.localise(self.book.snapshot(self, self.month))
        return self._labelled(engagements, horizon=max(self.month, 1))

    def _labelled(self, engagements: pd.DataFrame, horizon: int) -> pd.DataFrame:
        engagements["outcome"] = classify(
            engagements,
            horizon=horizon,
            partnership_trust=self.cfg.client.partnership_trust,
            margin_floor=self.cfg.vendor.margin_floor,
        )
        return engagements

    # ------------------------------------------------------------ engagements
    def _open_market(self) -> None:
        """Month 0: clients start with the focal vendor, or tender among competitors."""
        c, reps = self.clients, self.replicates
        n, v = reps.clients, reps.vendors
        c.trust[:] = c.generalised_trust
        for r, rng in enumerate(reps.rngs):
            first_slot, focal_vendor = r * n, r * v
            focal = rng.random(n) < self.cfg.market.focal_share
            for sales in self.sales[focal_vendor : focal_vendor + v]:
                sales.target_clients = max(n / v, 1.0)
            self.sales[focal_vendor].target_clients = max(float(focal.sum()), 1.0)
            direct = first_slot + np.flatnonzero(focal)
            self._start(
                direct,
                np.full(len(direct), focal_vendor),
                np.full(len(direct), self.sales[focal_vendor].offer(1)),
                np.ones(len(direct), dtype=np.int64),
                DeliveryTeam.draw_traits(rng, len(direct)),
            )
            tendered = first_slot + np.flatnonzero(~focal)
            won = self._tender(
                tendered,
                exclude=np.full(len(tendered), focal_vendor),
                tension=self._lever_targets_at(tendered)[1],
            )
            self._start(tendered, *won, DeliveryTeam.draw_traits(rng, len(tendered)))
        # Month-0 engagements are incumbents already: their price holds the client's switching cost.
        self.accounts.markup[:] = self.incumbent_markup()

    def _tender(
        self, idx: np.ndarray, exclude: np.ndarray, tension: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        """Each client in ``idx`` invites bidders (more under its competitive ``tension``
        target) and picks the best-looking bid. Returns winners, their over-promises and the
        bidder counts.
        """
        reps = self.replicates
        winners = np.zeros(len(idx), dtype=np.int64)
        promises = np.zeros(len(idx))
        counts = np.zeros(len(idx), dtype=np.int64)
        for k, slot in enumerate(idx.tolist()):
            r = reps.of_slot(slot)
            rng, market = reps.rngs[r], self._vendors_by_market[r]
            eligible = market[market != exclude[k]]
            count = min(len(eligible), 2 + round(3 * tension[k]))
            bidders = rng.choice(eligible, size=count, replace=False).tolist()
            offers = [self.sales[w].offer(count) for w in bidders]
            looks = [self.sales[w].pitch(o) for w, o in zip(bidders, offers, strict=True)]
            noise = rng.gumbel(0.0, BID_NOISE, count).tolist()
            best = max(range(count), key=lambda i: looks[i] + noise[i])
            winners[k], promises[k], counts[k] = bidders[best], offers[best], count
        return winners, promises, counts

    def _lever_targets_at(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """The vendor-management lever targets of the clients at ``idx`` only."""
        c = self.clients
        return self.behaviours["vendor_management"].targets(
            c.trust[idx], c.generalised_trust[idx], c.suspicion[idx], c.contagion[idx]
        )

    def _start(
        self,
        idx: np.ndarray,
        vendors: np.ndarray,
        overpromise: np.ndarray,
        bidders: np.ndarray,
        traits: np.ndarray,
    ) -> None:
        """Begin engagements at client slots ``idx`` with ``vendors``; ``traits`` are the new
        teams' draws (see :meth:`DeliveryTeam.draw_traits`).
        """
        if len(idx) == 0:
            return
        c, a = self.clients, self.accounts
        self.vendor_of[idx] = vendors
        self.book.open(idx, self.month, overpromise, bidders)
        DeliveryTeam.staff_up(self, idx, 1.0 + overpromise, traits)
        RelationshipManager.assign(self, idx)
        c.trust[idx] = c.generalised_trust[idx] * (1.0 - SEGMENT_TRUST_DISCOUNT[c.segment[idx]])
        c.trust_before[idx] = c.trust[idx]
        self.book.start_trust[idx] = c.trust[idx]
        self.trust_rule.start(c.rule_state, idx, c.trust[idx])
        c.suspicion[idx] = 0.0
        c.stage[idx] = 0
        c.shortfall[idx] = 0.0
        c.contagion[idx] = 0.0
        c.seen_quality[idx] = self.vendors.reputation[vendors]
        monitoring, tension, legal, insurance = self._lever_targets_at(idx)
        c.monitoring[idx] = monitoring[:, None]
        c.tension[idx], c.legal[idx], c.insurance[idx] = tension, legal, insurance
        a.price[idx] = 1.0
        a.markup[idx] = 1.0
        a.margin[idx] = 0.0  # no month booked yet
        a.margin_before[idx] = 0.0
        a.low_margin_months[idx] = 0.0
        a.margin_trend[idx] = self.cfg.vendor.base_margin
        self._oversell_found[idx] = False
        self._reaction_cooldown[idx] = 0.0
        self._rescuers[idx] = 0.0
        self._rescues[idx] = 0.0
        for slot, vendor in zip(idx.tolist(), vendors.tolist(), strict=True):
            for old in (self.team_of[slot], self.rm_of[slot]):
                if old is not None:
                    old.remove()
            self.team_of[slot] = DeliveryTeam(self, slot, vendor)
            self.rm_of[slot] = RelationshipManager(self, slot, vendor)
            self.procurement[slot].vendor = vendor
            self.procurement[slot].schedule_renewal()
        self._log(
            idx,
            "Sales",
            "engagement_won",
            "won the tender by promising over capacity",
            value=overpromise,
            aligned=True,
        )

    def end_engagement(self, slot: int, reason: str) -> None:
        """End the engagement at ``slot`` for ``reason``; the client tenders for a new vendor.

        The tender is held at once (its draws come in the order of the month's choices); the
        books are closed and the new engagement begins when the month's choices are all made
        (:meth:`_replace_ended`), which no other client's choice can see.
        """
        idx = np.array([slot])
        tension = (
            self._lever_targets_at(idx)[1]
            if self._month_tension is None
            else self._month_tension[idx]
        )
        winners, promises, counts = self._tender(idx, self.vendor_of[idx], tension)
        traits = DeliveryTeam.draw_traits(self.replicates.rngs[self.replicates.of_slot(slot)], 1)
        self._ending.append((slot, reason, int(winners[0]), promises[0], int(counts[0]), traits))

    def _replace_ended(self) -> None:
        """Close the engagements this month's choices ended and begin their successors."""
        if not self._ending:
            return
        slots, reasons, vendors, promises, counts, traits = zip(*self._ending, strict=True)
        self._ending = []
        idx, why = np.array(slots), np.array(reasons, dtype=object)
        for reason, cause in END_CAUSES.items():
            actor = "Vendor" if reason == "vendor_walkaway" else "Client"
            self._log(idx[why == reason], actor, reason, cause)
        self.book.close(self, idx, self.month + 1, why)
        self._start(
            idx,
            np.array(vendors),
            np.array(promises),
            np.array(counts),
            np.concatenate(traits, axis=1),
        )

    def escalate(self, slot: int) -> None:
        """The client climbs one rung of the dispute ladder."""
        c = self.clients
        c.stage[slot] += 1
        step = ESCALATION_STEPS[c.stage[slot] - 1]
        self._log(
            np.array([slot]),
            "Client",
            step,
            "trust fell below the rung's threshold "
            "and the shortfall exceeded the contract's tolerance",
            value=c.trust,
        )
        if step == "exit_with_penalty":
            self.end_engagement(slot, reason="legal_exit")

    # --------------------------------------------------------------- choices
    def _act(self) -> None:
        """Discrete choices of the month: rotations, vendor reactions, walk-aways, clients."""
        self._rotate_rms()
        self._react_to_bad_news()
        c = self.clients
        walking = np.flatnonzero(self.accounts.low_margin_months >= self.cfg.vendor.walkaway_months)
        c.escalate[walking] = False
        c.switch[walking] = False
        self._month_tension = ClientProcurement.lever_targets(self)[1]
        for slot in walking.tolist():
            self.end_engagement(slot, reason="vendor_walkaway")
        deciding = np.flatnonzero(c.escalate | c.switch)
        for r, slots in self.replicates.split(deciding):
            clients = [self.procurement[i] for i in slots.tolist()]
            AgentSet(clients, random=self.replicates.randoms[r]).shuffle_do("decide")
        self._month_tension = None
        self._replace_ended()

    def _rotate_rms(self) -> None:
        rotating = np.flatnonzero(self.rms.rotate)
        for slot in rotating.tolist():
            old = self.rm_of[slot]
            if old is not None:
                old.remove()
            self.rm_of[slot] = RelationshipManager(self, slot, int(self.vendor_of[slot]))
        RelationshipManager.assign(self, rotating)
        self._log(rotating, "Vendor", "rm_rotated", "rotation policy: a fresh RM takes the account")

    def _react_to_bad_news(self) -> None:
        """The vendor rescues an engagement when the RM's report of trust falls low enough:
        it sends extra people for a while, at its own cost (newcomers, so Brooks's law
        applies), and re-plans: half the backlog is descoped and the run-rate promise comes
        halfway back to capacity. A captured RM's softened report delays this.
        """
        t = self.teams
        self._reaction_cooldown = np.maximum(self._reaction_cooldown - 1.0, 0.0)
        leaving = np.flatnonzero(self._rescuers * (self._reaction_cooldown == 0))
        t.staff[leaving] = np.maximum(t.staff[leaving] - self._rescuers[leaving], 1.0)
        t.novices[leaving] = np.minimum(t.novices[leaving], t.staff[leaving])
        self._rescuers[leaving] = 0.0
        reported = self.rms.reported_trust
        reacting = np.flatnonzero(
            (reported < self.cfg.vendor.reaction_trust)
            & (reported < self.book.start_trust)
            & (self._reaction_cooldown == 0)
            & (self._rescues < MAX_RESCUES)
        )
        self._rescues[reacting] += 1
        t.staff[reacting] += RESCUE_STAFF
        t.novices[reacting] += RESCUE_STAFF
        self._rescuers[reacting] = RESCUE_STAFF
        t.backlog[reacting] *= 0.5
        t.promise[reacting] = 1.0 + 0.5 * (t.promise[reacting] - 1.0)
        self._reaction_cooldown[reacting] = REACTION_COOLDOWN
        self._log(
            reacting,
            "Vendor",
            "replanned",
            "the RM reported falling trust",
            value=self.rms.reported_trust,
        )

    def _discover_overselling(self) -> None:
        """Oversold, unused scope is found in time and read as a breach of trust."""
        c = self.clients
        share = self.vendors.oversell[self.vendor_of]
        found = ~self._oversell_found & (self.replicates.uniform() < OVERSELL_DISCOVERY * share)
        self._oversell_found |= found
        c.trust = np.where(found, c.trust * (1.0 - share), c.trust)
        c.suspicion = np.where(found, np.minimum(c.suspicion + share, 1.0), c.suspicion)
        self._log(
            np.flatnonzero(found),
            "Client",
            "oversell_discovered",
            "licences sold but never used came to light",
            value=share,
        )

    # ------------------------------------------------------------- the log
    def _log(
        self,
        idx: np.ndarray,
        actor: str,
        event: str,
        cause: str,
        *,
        value: np.ndarray | float | None = None,
        aligned: bool = False,
    ) -> None:
        """Add one kind of event for the slots in ``idx``.

        ``value`` is an array over all slots, unless ``aligned`` says it is aligned with
        ``idx``; without one, the event's value is the client's trust after the month.
        """
        if len(idx) == 0:
            return
        c, a = self.clients, self.accounts
        if value is None:
            value = c.trust
        elif aligned and np.ndim(value):
            full = np.zeros(len(c.trust))
            full[idx] = value
            value = full
        self.events.add(
            self.month + 1,
            idx,
            actor=actor,
            event=event,
            cause=cause,
            vendor=self.vendor_of,
            engagement=self.book.id,
            trust_before=c.trust_before,
            trust_after=c.trust,
            margin_before=a.margin_before,
            margin_after=a.margin,
            value=value,
        )

    def log_captive(self, clients: np.ndarray) -> None:
        """Record clients that renewed with their vendor though an alternative was worth more."""
        self._log(
            clients,
            "Client",
            "stayed_captive",
            "an alternative was worth more, but not the switching cost weighed by loss aversion",
            value=self.clients.value_gap,
        )

    def log_goodwill(self, granted: np.ndarray, returned: np.ndarray, refused: np.ndarray) -> None:
        """Record the month's odd requests: goodwill reciprocated or not, and refusals."""
        rq = "the client made an odd request"
        self._log(
            np.flatnonzero(returned),
            "RM",
            "goodwill_reciprocated",
            rq + "; the vendor was flexible",
        )
        self._log(
            np.flatnonzero(granted & ~returned),
            "RM",
            "goodwill_unreturned",
            rq + "; the vendor was flexible and got nothing back",
        )
        self._log(
            np.flatnonzero(refused), "RM", "request_refused", rq + "; the vendor held to protocol"
        )

    def _log_month(self) -> None:
        """Report the month's threshold crossings: incidents, suspicion, capture, burn-out."""
        c, t, r = self.clients, self.teams, self.rms
        cfg = self.cfg
        incident = c.incident.any(axis=1)
        self._log(
            np.flatnonzero(incident),
            "Delivery",
            "milestone_missed",
            "delivered quality fell far below what the client expects",
            value=t.quality.min(axis=1),
        )
        self._log(
            np.flatnonzero(t.overrun.any(axis=1)),
            "Delivery",
            "overrun",
            "a heavy-tailed overrun hit a project under schedule pressure",
        )
        if cfg.market.projects > 1 and cfg.client.vendor_management.reactive:
            self._log(
                np.flatnonzero(incident),
                "Client",
                "monitoring_spread",
                "one project's incident raised monitoring across the programme",
                value=c.monitoring.mean(axis=1),
            )
        rec = self.recorder.data
        if self.month > 0:
            prev = self.month - 1
            suspicion_up = (rec["suspicion"][prev] < 0.5) & (c.suspicion >= 0.5)
            self._log(
                np.flatnonzero(suspicion_up),
                "Client",
                "suspicion_raised",
                "performance far above what this client expects: too good to be true",
                value=c.suspicion,
            )
            monitoring = c.monitoring.mean(axis=1)
            tightened = (rec["monitoring"][prev] < 0.6) & (monitoring >= 0.6)
            self._log(
                np.flatnonzero(tightened),
                "Client",
                "monitoring_tightened",
                "distrust and suspicion pushed milestone monitoring up",
                value=monitoring,
            )
            captured = (rec["identification"][prev] < CAPTURED) & (r.identification >= CAPTURED)
            self._log(
                np.flatnonzero(captured),
                "RM",
                "rm_captured",
                "long, close time at the client: the RM now identifies with it",
                value=r.identification,
            )
            threshold = cfg.vendor.delivery.fatigue_threshold
            burnt = (rec["fatigue"][prev] < threshold) & (t.fatigue >= threshold)
            self._log(
                np.flatnonzero(burnt),
                "Delivery",
                "burnout",
                "sustained overtime: fatigue passed the burn-out threshold",
                value=t.fatigue,
            )
            level_now = np.searchsorted(-CONCESSION_LEVELS, -self.accounts.price, side="right")
            level_before = np.searchsorted(-CONCESSION_LEVELS, -rec["price"][prev], side="right")
            conceded = (level_now > level_before) & (self.book.months > 1)
            self._log(
                np.flatnonzero(conceded),
                "RM",
                "price_concession",
                "the RM argued for the client's price",
                value=self.accounts.price,
            )
