"""VendorMarket: the market of clients and vendors, and the order of a month (ODD §3).

The market builds the state, calls each role's submodel in the order of ODD §3, applies
the changes and intents the roles return, runs the engagement lifecycle and keeps the
tables. Every role's arithmetic is in :mod:`vendorsim.agents`, one module per role.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet
from omegaconf import DictConfig

from vendorsim.agents import accounts, delivery, procurement, relationship, sales
from vendorsim.agents.delivery import DeliveryTeam
from vendorsim.agents.procurement import ClientProcurement
from vendorsim.agents.relationship import RelationshipManager
from vendorsim.agents.sales import Sales
from vendorsim.behaviours.switching import planning_annuity
from vendorsim.cells import CellBatch
from vendorsim.config import VendorsimConfig
from vendorsim.crossings import PREVIOUS_SERIES, month_crossings
from vendorsim.engagements import EngagementBook
from vendorsim.events import END_REASONS, OPENING, EventLog, Happened
from vendorsim.projects import project_mean
from vendorsim.recorder import Recorder
from vendorsim.replicates import Replicates
from vendorsim.settings import model_config, resolve
from vendorsim.state import (
    AccountState,
    ClientState,
    MarketState,
    RMState,
    SalesState,
    TeamState,
)
from vendorsim.tables import RESULT_TABLES, RunTables
from vendorsim.vendors import VendorTable

__all__ = ["RESULT_TABLES", "VendorMarket"]

# Mesa logs every step at INFO; a sweep's job logs would drown in it.
logging.getLogger("MESA").setLevel(logging.WARNING)


class HorizonReached(RuntimeError):
    """A market was stepped past its horizon (``months``)."""


class VendorMarket(mesa.Model):
    """C clients and V vendors trading engagements month by month.

    Vendor 0 is the focal vendor, whose policies come from ``cfg.vendor``. Each client holds
    one engagement at a time; a delivery team and an RM serve it, and the vendor's Sales won
    it in a tender. With ``seeds``, one model holds one independent market per seed
    (:mod:`vendorsim.replicates`), each giving exactly the results of its lone run.

    Args:
        config: a composed config (:func:`vendorsim.settings.load_config`) or its resolved
            container; if omitted, one is composed from ``params``.
        rng: seed or generator; defaults to ``config.seed``.
        seeds: run one market per seed instead (not with ``rng``).
        cells: the resolved configs of several sweep cells that differ only in
            :data:`vendorsim.cells.BATCHABLE` keys, instead of ``config``: one market per
            (cell, seed), cell by cell, and result tables with a leading ``cell`` column.
        series: the time series kept month by month for the ``timeseries`` table (default:
            all of :data:`vendorsim.recorder.SERIES`).
        events: keep the event log for the ``events`` table. A sweep's cells write no
            events, so their models skip the log and the month's threshold crossings, which
            only the log reads; nothing else in a run depends on either.
        **params: parameters by short name or dotted key with ``__`` for dots, e.g.
            ``overpromise=0.5`` or ``client__readiness=0.3``; only without ``config``.

    """

    def __init__(
        self,
        config: DictConfig | dict[str, Any] | None = None,
        *,
        rng: Any = None,
        seeds: Sequence[int] | None = None,
        cells: Sequence[dict[str, Any]] | None = None,
        series: Sequence[str] | None = None,
        events: bool = True,
        **params: Any,
    ) -> None:
        seeds = Replicates.seed_list(seeds, rng)
        batch = None
        if cells is not None:
            if config is not None or params or not seeds:
                raise TypeError("pass cells with seeds, and no config or keyword parameters")
            batch = CellBatch.of(cells, len(seeds))
            config = cells[0]
        self.cfg: VendorsimConfig
        self.cfg, self.behaviours = resolve(model_config(config, params))
        cfg, market = self.cfg, self.cfg.market
        super().__init__(rng=seeds[0] if seeds else (cfg.seed if rng is None else rng))
        self.streams = Replicates(
            seeds * len(cells) if cells else (seeds or [self._seed]),
            market.clients,
            market.vendors,
            tagged=seeds is not None,
            cells=batch.cell_of if batch else None,
        )
        n = self.streams.slots
        self.month = 0
        self.vendors = VendorTable.draw(cfg, self.streams, batch.differing if batch else None)
        if batch and (rule := batch.lever_rule(cells[0], market.clients)) is not None:
            self.behaviours["vendor_management"] = rule
        self.vendor_of = np.zeros(n, dtype=np.int64)
        segment, kind = procurement.draw_population(self.streams, cfg.client)
        self.clients = ClientState.new(
            cfg.client, market.projects, segment, kind, self.behaviours["trust"].new_state(n)
        )
        self.teams, self.rms = TeamState.empty(n, market.projects), RMState.empty(n)
        self.accounts = AccountState.empty(n)
        self.state = MarketState(self.clients, self.teams, self.rms, self.accounts)
        self.book = EngagementBook(
            self.clients,
            self.teams,
            self.accounts,
            self.vendor_of,
            market.clients,
            naive_reference=cfg.client.history.naive_reference,
            trend_rate=cfg.vendor.margin_trend_rate,
        )
        self.events = (
            EventLog(self.clients, self.accounts, self.vendor_of, self.book.id) if events else None
        )
        self.recorder = Recorder(
            cfg.months,
            self.state,
            self.vendor_of,
            self.book.id,
            series,
            PREVIOUS_SERIES if events else (),
        )
        self.tables = RunTables(self.book, self.recorder, self.events, self.streams)
        self.sales_state = SalesState.empty(len(self.vendors.capability))
        self.sales = [
            Sales(self, w, self.vendors, self.sales_state)
            for w in range(len(self.vendors.capability))
        ]
        self.procurement = [ClientProcurement(self, i, self.clients) for i in range(n)]
        # One team and one RM seat per client account. When the client moves, the new
        # vendor staffs the team and seats an RM (their state is reset at the start); the
        # agents stay, so a new engagement costs no Mesa registration.
        self.team_of = [DeliveryTeam(self, i, -1, self.teams) for i in range(n)]
        self.rm_of = [RelationshipManager(self, i, -1, self.rms) for i in range(n)]
        self.forced_incidents: tuple[np.ndarray, int] | None = None
        # Engagements ended by this month's choices; replaced when the choices are done.
        self._ending: list[tuple[int, str]] = []
        # Tension targets while the month's choices are made (no choice moves another
        # client's), so each tender need not compute its own.
        self._month_tension: np.ndarray | None = None
        self._open_market()

    # ----------------------------------------------------------------- the month
    def step(self) -> None:
        """One month, in the order of ODD §3: sell, deliver, assess, manage, settle, record,
        then the month's choices.

        Raises:
            HorizonReached: the market has run all its ``months`` (``running`` is False):
                its arrays hold no further month.

        """
        if self.month >= self.cfg.months:
            raise HorizonReached(
                f"the market has run all its months={self.cfg.months}; allowed: step while "
                "model.running, or build it with a larger months= to run longer"
            )
        cfg, c, t, v, vendor = self.cfg, self.clients, self.teams, self.vendors, self.vendor_of
        held = np.bincount(vendor, minlength=len(self.sales))
        self.streams.month = self.month
        # At renewal the incumbent re-prices, capturing part of the client's switching cost
        # (Farrell & Klemperer 2007).
        renewing = procurement.renew_contracts(c, self.month, cfg.market.contract_months)
        self.accounts.markup[renewing] = self.incumbent_markup()
        to_renewal = self.months_to_renewal()
        # Each vendor's Sales feel their own quota, so their order does not matter.
        sales.feel_quota(self.sales_state, held)
        delivery.deliver_month(
            t,
            cfg.vendor.delivery,
            effort_rule=self.behaviours["effort"],
            monitoring=c.monitoring,
            capability=v.capability[vendor],
            renewal_share=to_renewal / cfg.market.contract_months,
            detection=cfg.client.vendor_management.detection,
            streams=self.streams,
            forced=self.forced_incidents,
        )
        self.forced_incidents = None
        captive = procurement.assess_month(
            c,
            cfg.client,
            quality=t.quality,
            rules=self.behaviours,
            leadership=v.leadership[vendor],
            pushiness=v.pushiness[vendor],
            months_to_renewal=to_renewal,
            alternative_quality=v.alternatives_for(vendor, cfg.market.vendors),
            price_paid=self.accounts.price * self.accounts.markup,
            streams=self.streams,
        )
        self._log(captive)
        oversold = v.oversell[vendor]
        draws = self.streams.uniform("oversell_discovery")
        self._log(procurement.discover_overselling(c, oversold, draws, cfg.client))
        self._manage_accounts()
        accounts.settle(self.accounts, cfg, clients=c, teams=t, oversold=oversold)
        v.learn_reputation(vendor, project_mean(t.quality), cfg.market.reputation_rate)
        self.book.record_month()
        month = self.month
        if self.events is not None:
            previous = self.recorder.latest if month else None
            for happened in month_crossings(cfg, self.state, previous, self.book.months):
                self._log(happened)
        self.recorder.record(month)
        self._choose()
        self.month += 1
        self.running = self.month < cfg.months

    def _manage_accounts(self) -> None:
        """The RMs' month (bonding, concessions), then odd requests and goodwill."""
        c, v, vendor, rec = self.clients, self.vendors, self.vendor_of, self.cfg.client.reciprocity
        concession = relationship.manage_month(
            self.rms,
            self.cfg.vendor.rm,
            pricing=self.behaviours["pricing"],
            trust=c.trust,
            price_pressure=procurement.price_pressure(c),
            time_share=v.rm_time_share[vendor],
            rotation=v.rm_rotation[vendor],
            discretionary=v.discretionary[vendor],
        )
        self.accounts.price *= 1.0 - concession
        draws = self.streams.uniform("odd_requests", rows=3)
        requests = relationship.answer_odd_requests(draws[:2], v.goodwill[vendor], rec)
        returned = procurement.reciprocate(c, requests, draws[2], rec)
        relationship.take_favours(self.rms, returned, self.cfg.vendor.rm)
        self.accounts.goodwill_spent = requests.granted * rec.goodwill_cost
        # Flexibility is extra scope: the team absorbs it.
        self.teams.backlog += (requests.granted * rec.goodwill_work)[:, None]
        self._log(Happened("goodwill_reciprocated", np.flatnonzero(returned)))
        self._log(Happened("goodwill_unreturned", np.flatnonzero(requests.granted & ~returned)))
        self._log(Happened("request_refused", np.flatnonzero(requests.refused)))

    def _choose(self) -> None:
        """Discrete choices: rotations, rescues, walk-aways, then the clients' in random order."""
        rotating = np.flatnonzero(self.rms.rotate)
        # A new RM takes the seat: its state starts afresh.
        relationship.assign(self.rms, rotating)
        self._log(Happened("rm_rotated", rotating))
        report, start = self.rms.reported_trust, self.book.start_trust
        self._log(delivery.rescue(self.teams, self.cfg.vendor, report, start))
        c = self.clients
        walking = accounts.walking_away(self.accounts, self.cfg.vendor.walkaway_months)
        c.escalate[walking] = c.switch[walking] = False
        for slot in walking.tolist():
            self.end_engagement(slot, reason="vendor_walkaway")
        # Clients choose in a random order keyed by client, so one client's choice moves no
        # other client's place in it.
        choosing = self.streams.order(np.flatnonzero(c.escalate | c.switch), "choice_order")
        if len(choosing):
            clients = [self.procurement[i] for i in choosing.tolist()]
            AgentSet(clients, random=self.random).do("decide", self._act)
        self._replace_ended()

    def _act(self, slot: int, choice: str) -> None:
        """Carry out a client's choice: switch, or climb the ladder (its last rung exits)."""
        if choice == "switch":
            self.end_engagement(slot, reason="client_switch")
            return
        rung = procurement.escalate(self.clients, slot)
        self._log(Happened(rung, np.array([slot]), self.clients.trust))
        if rung == "exit_with_penalty":
            self.end_engagement(slot, reason="legal_exit")

    def inject_incident(self, clients: np.ndarray | list[int], project: int = 0) -> None:
        """Make ``project`` fail outright next month for ``clients``: a serious incident
        ("what does one incident do to the programme?"); the rest of the month runs as usual.
        """
        top = self.cfg.market.projects - 1
        if not 0 <= project <= top:
            raise ValueError(f"project={project} is out of range; allowed: 0..{top}")
        self.forced_incidents = (np.asarray(clients, dtype=np.int64), project)

    def months_to_renewal(self) -> np.ndarray:
        """Months until each client's contract renews, read inside a month after its
        renewals (1 in a term's last month, the term in its first).

        Read from the renewal month itself (``ClientState.renews``): an engagement begun by
        a month's choices is booked in that month but delivers, and counts its term, from
        the next.
        """
        return self.clients.renews - self.month

    def incumbent_markup(self) -> float:
        """Price factor an incumbent charges a client held by its switching cost: a share
        ``holdup`` of the one-off switching cost, spread over the client's planning horizon
        as a monthly markup (the units the client weighs it in, ODD §7.8 and §7.9).
        """
        client = self.cfg.client
        return 1.0 + self.cfg.market.holdup * client.switching_cost / planning_annuity(
            client.planning_horizon, client.monthly_discount
        )

    # ------------------------------------------------------------ engagements
    def _open_market(self) -> None:
        """Month 0: clients start with the focal vendor, or tender among competitors."""
        n, v = self.streams.clients, self.streams.vendors
        self.clients.trust[:] = self.clients.generalised_trust
        focal = self.streams.uniform("focal_client") < self.cfg.market.focal_share
        # Each market's Sales agents learn their targets and the focal vendor prices its
        # direct clients; then every market's clients start, or tender, at once (a market's
        # agents and draws are its own, so this is the same as market by market).
        targets = self.sales_state.target_clients
        targets[:] = max(n / v, 1.0)
        targets[::v] = np.maximum(focal.reshape(-1, n).sum(axis=1), 1.0)
        offers = sales.offers(
            self.vendors.overpromise[::v],
            self.sales_state.quota_pressure[::v],
            np.ones(self.streams.count),
            self.cfg.vendor.sales,
        )
        direct, tendered = np.flatnonzero(focal), np.flatnonzero(~focal)
        self._start(
            direct,
            direct // n * v,
            offers[direct // n],
            np.ones(len(direct), dtype=np.int64),
            delivery.draw_traits(self.streams, direct),
            first_month=0,
        )
        won = self._tender(tendered, tendered // n * v)
        self._start(tendered, *won, delivery.draw_traits(self.streams, tendered), first_month=0)
        # Month-0 engagements are incumbents already: their price holds the switching cost.
        self.accounts.markup[:] = self.incumbent_markup()

    def _start(
        self,
        idx: np.ndarray,
        vendors: np.ndarray,
        overpromise: np.ndarray,
        bidders: np.ndarray,
        traits: np.ndarray,
        first_month: int,
    ) -> None:
        """Begin engagements at client slots ``idx`` with ``vendors``, delivering from
        ``first_month``; ``traits`` are the new teams' draws
        (:func:`vendorsim.agents.delivery.draw_traits`). The contract renews a term after
        the first month delivered.
        """
        if len(idx) == 0:
            return
        cfg, levers = self.cfg, self.behaviours["vendor_management"]
        self.vendor_of[idx] = vendors
        self.book.open(idx, first_month, overpromise, bidders)
        delivery.staff_up(self.teams, idx, cfg.vendor.delivery, 1.0 + overpromise, traits)
        relationship.assign(self.rms, idx)
        reputation = self.vendors.reputation[vendors]
        trust_rule = self.behaviours["trust"]
        alarm = procurement.sales_alarm(
            self.clients.generalised_trust[idx],
            self.vendors.pushiness[vendors],
            self.vendors.leadership[vendors],
            cfg.client.suspicion,
        )
        procurement.start(
            self.clients,
            idx,
            cfg=cfg.client,
            trust_rule=trust_rule,
            levers=levers,
            reputation=reputation,
            alarm=alarm,
        )
        self.book.start_trust[idx] = self.clients.trust[idx]
        accounts.start(self.accounts, idx, cfg.vendor.base_margin)
        self.clients.renews[idx] = first_month + cfg.market.contract_months
        for slot, vendor in zip(idx.tolist(), vendors.tolist(), strict=True):
            self.team_of[slot].vendor = vendor
            self.rm_of[slot].vendor = vendor
            self.procurement[slot].vendor = vendor
        # Logged in the engagement's start_month, the month before its first delivery: 0
        # for those open when the market starts, the tender's month for the rest.
        self._log(Happened(OPENING, idx, overpromise, aligned=True), month=first_month)

    def end_engagement(self, slot: int, reason: str) -> None:
        """End the engagement at ``slot`` for ``reason``. The client tenders, the books close
        and the successor begins when the month's choices are all made: no choice reads
        another client's engagement, and every draw is keyed by client, so this is the same
        as doing it choice by choice.
        """
        self._ending.append((slot, reason))

    def _replace_ended(self) -> None:
        """Close the engagements this month's choices ended, tender for every such client at
        once, and begin their successors.
        """
        if not self._ending:
            return
        slots, reasons = zip(*self._ending, strict=True)
        self._ending = []
        idx, why = np.array(slots), np.array(reasons, dtype=object)
        won = self._tender(idx, self.vendor_of[idx])
        for reason in END_REASONS:
            self._log(Happened(reason, idx[why == reason]))
        self.book.close(idx, self.month + 1, why)
        self._start(idx, *won, delivery.draw_traits(self.streams, idx), first_month=self.month + 1)

    def _tender(
        self, idx: np.ndarray, exclude: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The clients at ``idx`` tender, each without vendor ``exclude``, at the competitive
        tension their levers head for: the winners, their over-promises and bidder counts.
        """
        levers = self.behaviours["vendor_management"]
        tension = procurement.lever_targets(self.clients, levers, idx)[1]
        return sales.tender(
            idx,
            exclude,
            tension,
            self.vendors,
            self.sales_state.quota_pressure,
            self.cfg.vendor.sales,
            self.streams,
            self.cfg.client.tender,
        )

    # ---------------------------------------------------------------- results
    def _log(self, happened: Happened, month: int | None = None) -> None:
        """Add a role's event to the log, in the month it is reported for (this month's,
        unless ``month`` is given).
        """
        if self.events is not None:
            self.events.add(self.month + 1 if month is None else month, happened)

    def run(self) -> dict[str, pd.DataFrame]:
        """Run to the horizon and return the engagements, timeseries and events tables."""
        self.run_for(self.cfg.months - self.month)
        return self.results()

    def results(
        self, tables: Sequence[str] = RESULT_TABLES, series: Sequence[str] | None = None
    ) -> dict[str, pd.DataFrame]:
        """The run's ``tables`` (``series`` of the time series, or all), engagements
        unlabelled (:func:`vendorsim.outcomes.labelled` labels them); engagements still
        running are closed at the horizon.
        """
        return self.tables.build(self.month, tables, series)

    def engagements_so_far(self) -> pd.DataFrame:
        """Every engagement so far, unlabelled, as if the run stopped this month."""
        return self.tables.engagements_so_far(self.month)
