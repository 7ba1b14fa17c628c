"""HQ decides each sale of a batch again (DESIGN.md decision 11, issue 10 point 2).

For each `sale.completed`, from the `inputs` its event carries (membership.sale_inputs): the
configuration HQ published at the versions the sale names (hq.ingest.published), the card as
HQ knows it (its `cards` row, or a `card.issued` / `card.replaced` earlier in the batch), then
the core's `sale_mismatch` (membership.sale_redecision). The reason it returns is the event's
quarantine reason (hq.ingest.quarantine), "" when HQ's decision moves what the terminal's does:

- `sale_inputs_missing`: no `inputs` (a terminal build from before them);
- `sale_inputs_invalid:<field>`: inputs not as docs/protocol.md gives them;
- `config_version_unknown:<name>`: a document version HQ never published;
- `config_invalid:<name>`: versions HQ published that do not make a configuration together;
- `sale_mismatch:<what>`: HQ's decision differs (`points_earned`, `stored_value`,
  `unit_price`, `level`, `refused:<key>` when HQ's core refuses the sale, ...).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import tzinfo
from typing import Any

from hq.db import HqDatabase
from hq.ingest.batch_facts import BatchCards
from hq.ingest.published import (
    Bodies,
    ConfigKey,
    ConfigUnknown,
    PublishedConfigurations,
    config_key,
    published_in,
)
from hq.ingest.rows import PreparedBatch, PreparedEvent
from hq.stores import StoreZones
from hq.times import local_wall_time
from membership.sale_inputs import SaleInputs, decode_inputs
from membership.sale_redecision import CardAtHq, SaleSeen, sale_mismatch

log = logging.getLogger("hq.ingest")
SALE = "sale.completed"
INPUTS_MISSING = "sale_inputs_missing"
INPUTS_INVALID = "sale_inputs_invalid"
MISMATCH = "sale_mismatch"


@dataclass(frozen=True)
class SaleVerdict:
    """The core's decision on a sale (`reason`, "" when it agrees) and the facts it was decided
    on besides the event itself: (the sale's time at the store, the card as HQ knew it)."""

    facts: tuple[Any, ...]
    reason: str


class SaleRedecision:
    """The batch's sales' inputs, the configurations they name and the cards they pay with,
    each read once for the whole batch; a sale decided before the write lock is read only if
    its facts changed."""

    def __init__(self, db: HqDatabase, events: Iterable[PreparedEvent], cards: BatchCards,
                 published: PublishedConfigurations | None = None,
                 zones: StoreZones | None = None) -> None:
        self._db = db
        self._zones = zones or StoreZones(db)
        self._zone_of: dict[tuple[str, str], tzinfo] = {}
        self._published = published or published_in(db)
        self._inputs: dict[int, SaleInputs | str] = {}
        self._keys: dict[int, ConfigKey] = {}
        self._bodies: Bodies = {}
        self._cards_at_hq: dict[tuple[str, str], CardAtHq | None] = {}
        self._cards = cards
        self._decode([prepared for prepared in events
                      if prepared.event.type == SALE and prepared.sale_verdict is None])

    def _decode(self, sales: list[PreparedEvent]) -> None:
        """The sales' inputs, and the bodies of the configurations they name, in one query."""
        inputs = {prepared.event.seq: _inputs(prepared.event.payload) for prepared in sales}
        keys = {seq: config_key(decoded.config) for seq, decoded in inputs.items()
                if isinstance(decoded, SaleInputs)}
        self._inputs.update(inputs)
        self._keys.update(keys)
        if keys:
            self._bodies = {**self._bodies, **self._published.load(self._db, keys.values())}

    def reason(self, prepared: PreparedEvent) -> str:
        """"" when HQ's own decision of the sale moves exactly what its entries move."""
        verdict = self.verdict(prepared)
        return verdict if isinstance(verdict, str) else verdict.reason

    def verdict(self, prepared: PreparedEvent) -> SaleVerdict | str:
        """The core's verdict on the facts it was decided on, or the reason there is none.

        A verdict the event carries from before the write lock (with_early_sale_verdicts) is
        taken when it was decided on the same facts: the core's decision is a pure function of
        the event (its inputs name the configuration versions, which never change once
        published), the sale's time at the store and the card as HQ knows it."""
        event = prepared.event
        if event.type != SALE:
            return ""
        payload = event.payload
        card_no = _text(payload.get("card_no"))
        terminal_id, store_id = event.op_id.rpartition("-")[0], _text(payload.get("store_id"))
        # The core compares the sale's time with store-local configuration times (a coupon's
        # validity, a promotion's hours) and dates points lots by it: the store's wall clock.
        at = local_wall_time(event.at, self._zone(terminal_id, store_id))
        card = self._card(card_no, _text(payload.get("actor_card_no")))
        early = prepared.sale_verdict
        if isinstance(early, SaleVerdict) and early.facts == (at, card):
            return early
        if event.seq not in self._inputs:
            self._decode([prepared])
        inputs = self._inputs[event.seq]
        if isinstance(inputs, str):
            return inputs
        try:
            configuration = self._published.configuration(self._keys[event.seq], self._bodies)
        except ConfigUnknown as unknown:
            return str(unknown)
        sale = SaleSeen(op_id=event.op_id, at=at, store_id=store_id,
                        terminal_id=terminal_id, card_no=card_no,
                        amount_due=payload.get("amount_due"), entries=prepared.entries,
                        coupon_used=payload.get("coupon_used", ""))
        mismatch = sale_mismatch(sale, inputs, configuration, card)
        return SaleVerdict((at, card), f"{MISMATCH}:{mismatch}" if mismatch else "")

    def card_changed(self, card_no: str) -> None:
        """The batch changed the card (an allowed level change): build it again when asked."""
        self._cards_at_hq = {key: card for key, card in self._cards_at_hq.items()
                             if card_no not in key}

    def _zone(self, terminal_id: str, store_id: str) -> tzinfo:
        """The terminal's store's zone, read once a batch (a batch is one terminal's)."""
        key = (terminal_id, store_id)
        if key not in self._zone_of:
            self._zone_of[key] = self._zones.of_terminal(terminal_id, store_id)
        return self._zone_of[key]

    def _card(self, card_no: str, actor_card_no: str) -> CardAtHq | None:
        """The card as HQ knows it, built once a batch: a terminal's batch pays with few."""
        key = (card_no, actor_card_no)
        if key not in self._cards_at_hq:
            self._cards_at_hq[key] = self._card_at_hq(card_no, actor_card_no)
        return self._cards_at_hq[key]

    def _card_at_hq(self, card_no: str, actor_card_no: str) -> CardAtHq | None:
        card = self._cards.get(card_no)
        if card is None or not card.type_code:
            return None
        actor = self._cards.get(actor_card_no) if actor_card_no else None
        levels = tuple(dict.fromkeys(
            level for level in (card.level, actor.level if actor else "") if level))
        if actor is not None and actor.member_id:
            # The terminal checks a member's own coupon against the card presented.
            card = replace(card, member_id=actor.member_id)
        return CardAtHq(card, levels)


def _inputs(payload: dict[str, Any]) -> SaleInputs | str:
    if "inputs" not in payload:
        return INPUTS_MISSING
    try:
        return decode_inputs(payload["inputs"])
    except ValueError as error:
        return f"{INPUTS_INVALID}:{error}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def with_early_sale_verdicts(db: HqDatabase, batch: PreparedBatch,
                             zones: StoreZones | None = None) -> PreparedBatch:
    """The batch with each sale's verdict decided now, before the write lock, from what HQ's
    tables say outside any transaction: the core's re-decision is most of what verification
    costs, and inside the transaction it held SQLite's one write lock (and PostgreSQL's row
    locks on the batch's cards) while it ran. In the transaction `SaleRedecision` takes a
    verdict whose facts are still the facts, and decides again otherwise (a card changed
    meanwhile, the batch's own card events fared otherwise). Reading fails: no early verdicts,
    the transaction decides them all."""
    if not any(prepared.event.type == SALE for prepared in batch.events):
        return batch
    try:
        redecision = SaleRedecision(db, batch.events, BatchCards(db, batch.events), zones=zones)
        verdicts = {prepared.event.seq: redecision.verdict(prepared)
                    for prepared in batch.events if prepared.event.type == SALE}
    except Exception:  # an optimisation only: the transaction decides every sale anyway
        log.warning("deciding %s's sales before the write lock failed", batch.terminal_id,
                    exc_info=True)
        return batch
    return replace(batch, events=tuple(
        _with_verdict(prepared, verdicts.get(prepared.event.seq)) for prepared in batch.events))


def _with_verdict(prepared: PreparedEvent, verdict: SaleVerdict | str | None) -> PreparedEvent:
    if not isinstance(verdict, SaleVerdict):
        return prepared
    return PreparedEvent(prepared.event, prepared.payload_json, prepared.entries, verdict)
