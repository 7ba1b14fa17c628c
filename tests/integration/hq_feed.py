"""Events as a terminal would publish them, for the HQ tests: consecutive seqs per terminal,
ledger entries built with membership.ledger and serialised with membership.events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from hq.config_push import next_document
from hq.db import HqDatabase
from hq.ingest import Ingestor, IngestResult
from membership.cards import BonusTier, Card, CardType, CountPackage, Feature
from membership.catalogue import Product, SaleLine
from membership.config_codec_cards import CARD_TYPES, encode_card_types
from membership.config_codec_rules import CATALOGUE, COUPONS, encode_catalogue, encode_coupons
from membership.config_documents import StoreConfiguration
from membership.coupons import Coupon, CouponKind
from membership.events import entry_to_dict
from membership.ledger import Account, CardBalances, EntryKind, LedgerEntry
from membership.sale import MemberContext, SaleRequest, StoreContext, decide_sale
from membership.tenders import Tender, TenderKind
from protocol.wire import WireEvent, build_event_batch, terminal_topic

AT = datetime(2026, 11, 23, 10, 0)
CARD = "8800000000000001"
# What the feed's sales are priced with, as HQ published it (`publish_feed_documents`; `ingest`
# publishes it for a batch with a sale): a sale of N fen is N // 100 yuan and N % 100 fen, a
# count use is a free service line, a card is a VIP card (stored value and counts, no points;
# no bonus rule: `publish_card_types` gives one) whose packages are free: <service>-<uses>.
FEED_SCOPE = "store:feed"
FEED_PRODUCTS = (Product("YUAN", "一元", "misc", 100), Product("FEN", "一分", "misc", 1),
                 Product("WASH", "洗发", "beauty", 0, is_service=True),
                 Product("CUT", "剪发", "beauty", 0, is_service=True),
                 Product("FACIAL", "面部护理", "beauty", 0, is_service=True))
FEED_DOCUMENTS = {
    CATALOGUE: encode_catalogue(FEED_PRODUCTS),
    CARD_TYPES: encode_card_types([CardType("VIP", "VIP", frozenset(
        {Feature.STORED_VALUE, Feature.COUNT}), count_packages=tuple(
            CountPackage(f"{service}-{uses}", service, service, uses, 0)
            for service in ("WASH", "CUT", "FACIAL") for uses in (1, 2, 3, 10)))]),
}
FEED_CONFIG = {name: {"scope": FEED_SCOPE, "version": 1} for name in FEED_DOCUMENTS}
# A coupon sale's coupon (¥1 off a ¥10 sale, anyone's, valid through 2027) is the only one of
# its own `coupons` document, version 1 at `feed_coupon_scope(code)`, superseded at once by an
# empty version 2: the sale names version 1, and no coupon of the feed's is live
# (hq.coupon_documents) unless a test publishes it itself.


def feed_coupon_scope(code: str) -> str:
    return f"{FEED_SCOPE}:coupon:{code}"


def feed_coupon_documents(code: str) -> dict[str, dict[str, Any]]:
    coupon = Coupon(code, CouponKind.CASH_OFF, datetime(2026, 1, 1), datetime(2027, 12, 31),
                    value=100)
    return {**FEED_DOCUMENTS, COUPONS: encode_coupons([coupon])}


def publish_feed_coupons(db: HqDatabase, *codes: str) -> None:
    """HQ's copy of the coupons documents the feed's coupon sales of `codes` name."""
    if not codes:
        return
    publish_feed_documents(db)
    db.bulk_insert(db.config_documents, [
        {"name": COUPONS, "scope": feed_coupon_scope(code), "version": version,
         "body": json.dumps(body, ensure_ascii=False), "published_at": AT}
        for code in codes for version, body in (
            (1, feed_coupon_documents(code)[COUPONS]), (2, encode_coupons([])))],
        skip_duplicates=True)


def publish_feed_documents(db: HqDatabase) -> None:
    """HQ's copy of the documents the feed's sales name (first versions, never sent)."""
    db.bulk_insert(db.config_documents, [
        {"name": name, "scope": FEED_SCOPE, "version": 1,
         "body": json.dumps(body, ensure_ascii=False), "published_at": AT}
        for name, body in FEED_DOCUMENTS.items()], skip_duplicates=True)


def sale_inputs(money: int, uses: Sequence[tuple[str, int]] = ()) -> dict[str, Any]:
    """The `inputs` of a feed sale of `money` fen paid from stored value and count `uses`."""
    lines = [(code, qty) for code, qty in (("YUAN", money // 100), ("FEN", money % 100)) if qty]
    priced = {product.code: product.unit_price for product in FEED_PRODUCTS}
    return {
        "lines": [{"line_no": n, "product_code": code, "qty": qty, "unit_price": priced[code],
                   "use_count": service, "staff_id": ""} for n, (code, qty, service) in
                  enumerate([*((c, q, False) for c, q in lines),
                             *((c, q, True) for c, q in uses)], start=1)],
        "tenders": [{"kind": "stored_value", "amount": money, "reference": ""}] if money else [],
        "coupon_code": "", "points_requested": 0, "level_code": "", "config": FEED_CONFIG,
    }


class TerminalFeed:
    """One terminal's outbox: every call makes the next event (seq + 1)."""

    def __init__(self, terminal_id: str, at: datetime = AT) -> None:
        self.terminal_id = terminal_id
        self.topic = terminal_topic(terminal_id, "events")
        self.seq = 0
        self.at = at
        self.entries: list[LedgerEntry] = []  # every entry made, for checking HQ's balances

    def event(self, event_type: str, payload: dict[str, Any],
              entries: Sequence[LedgerEntry] = ()) -> WireEvent:
        self.seq += 1
        self.at += timedelta(seconds=10)
        self.entries.extend(entries)
        body = {**payload, "entries": [entry_to_dict(entry) for entry in entries]}
        return WireEvent(self.seq, self.op_id(self.seq), event_type, self.at, body)

    def op_id(self, seq: int) -> str:
        return f"{self.terminal_id}-{seq}"

    def next_op_id(self) -> str:
        return self.op_id(self.seq + 1)

    def issue(self, card_no: str = CARD, member_id: str = "M1") -> WireEvent:
        return self.event("card.issued", {
            "card_no": card_no, "member_id": member_id, "type_code": "VIP", "level": "GOLD",
            "expires_on": "2028-12-31", "join_fee": 0, "tenders": []})

    def change_status(self, event_type: str, card_no: str = CARD) -> WireEvent:
        return self.event(event_type, {"card_no": card_no, "tenders": []})

    def top_up(self, principal: int, bonus: int = 0, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, principal, EntryKind.TOPUP)]
        if bonus:
            entries.append(self._entry(op_id, card_no, Account.BONUS, bonus,
                                       EntryKind.TOPUP_BONUS))
        return self.event("card.topped_up", {
            "card_no": card_no, "paid": principal, "bonus": bonus,
            "tenders": [{"kind": "cash", "amount": principal, "reference": ""}]}, entries)

    def sale(self, principal: int, bonus: int = 0, card_no: str = CARD) -> WireEvent:
        """A sale paid from stored value: `principal` and `bonus` fen taken from the card."""
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, -principal, EntryKind.SPEND)]
        if bonus:
            entries.append(self._entry(op_id, card_no, Account.BONUS, -bonus, EntryKind.SPEND))
        total = principal + bonus
        return self.event("sale.completed", {
            "store_id": "SH001", "card_no": card_no, "gross": total, "amount_due": total,
            "tenders": [{"kind": "stored_value", "amount": total, "reference": ""}],
            "change": 0, "inputs": sale_inputs(total)}, entries)

    def coupon_sale(self, code: str, card_no: str = CARD, member_id: str = "M1") -> WireEvent:
        """A ¥10 sale with the feed's coupon `code` (so ¥9 from stored value, `coupon_used`
        set), decided by the core from the feed's documents: it carries its real inputs."""
        op_id = self.next_op_id()
        configuration = StoreConfiguration.from_documents(feed_coupon_documents(code), {
            **{name: (FEED_SCOPE, 1) for name in FEED_DOCUMENTS},
            COUPONS: (feed_coupon_scope(code), 1)})
        vip = configuration.card_types["VIP"]
        member = MemberContext(Card(card_no, member_id, vip.code), vip,
                               CardBalances(principal=900))
        request = SaleRequest(op_id, self.at + timedelta(seconds=10),
                              (SaleLine(1, configuration.products["YUAN"], 10),),
                              (Tender(TenderKind.STORED_VALUE, 900),),
                              configuration.coupons[code])
        decision = decide_sale(request, StoreContext("SH001", self.terminal_id),
                               configuration.sale_rules(), member)
        assert decision.coupon_used == code
        (event,) = decision.events
        return self.event(event.type, dict(event.payload), decision.entries)

    def buy_package(self, service: str, uses: int, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entry = self._entry(op_id, card_no, Account.COUNT, uses, EntryKind.PURCHASE,
                            lot=f"{op_id}:PKG", service=service)
        return self.event("package.purchased", {
            "card_no": card_no, "tenders": [], "package": f"{service}-{uses}", "qty": 1,
            "price": 0}, [entry])

    def use_count(self, service: str, uses: int, lot: str, card_no: str = CARD) -> WireEvent:
        op_id = self.next_op_id()
        entry = self._entry(op_id, card_no, Account.COUNT, -uses, EntryKind.USE, lot=lot,
                            service=service)
        return self.event("sale.completed", {
            "store_id": "SH001", "card_no": card_no, "amount_due": 0, "tenders": [],
            "inputs": sale_inputs(0, [(service, uses)])}, [entry])

    def sale_with_uses(self, principal: int, uses: Sequence[tuple[str, int, str]],
                       card_no: str = CARD) -> WireEvent:
        """One sale that takes `principal` fen and, for each (service, uses, lot), uses from
        that lot: the event of an operation that asked HQ for several holds."""
        op_id = self.next_op_id()
        entries = [self._entry(op_id, card_no, Account.PRINCIPAL, -principal, EntryKind.SPEND)
                   ] if principal else []
        entries += [self._entry(op_id, card_no, Account.COUNT, -count, EntryKind.USE, lot=lot,
                                service=service) for service, count, lot in uses]
        tenders = [{"kind": "stored_value", "amount": principal, "reference": ""}
                   ] if principal else []
        return self.event("sale.completed", {
            "store_id": "SH001", "card_no": card_no, "gross": principal,
            "amount_due": principal, "change": 0, "tenders": tenders,
            "inputs": sale_inputs(principal, [(service, count) for service, count, _ in uses])},
            entries)

    def _entry(self, op_id: str, card_no: str, account: Account, delta: int, kind: EntryKind,
               lot: str = "", service: str = "") -> LedgerEntry:
        return LedgerEntry(op_id=op_id, card_no=card_no, account=account, delta=delta,
                           kind=kind, at=self.at + timedelta(seconds=10), lot=lot,
                           service=service,
                           valid_until=date(2027, 12, 31) if lot else None, line_no=1)

    def batch(self, events: Sequence[WireEvent], sent_at: datetime | None = None) -> bytes:
        return build_event_batch(self.terminal_id, events, sent_at or self.at)


def publish_card_types(db: HqDatabase) -> None:
    """HQ's card_types for the feed's cards (type VIP): a 20 % bonus on any top-up. HQ allows
    a top-up's bonus only within a card_types document it published (hq.ingest.quarantine)."""
    vip = CardType(code="VIP", name="VIP", features=frozenset({Feature.STORED_VALUE}),
                   bonus_tiers=(BonusTier(1, bonus_rate_bp=2000),))
    next_document(db, CARD_TYPES, "all", encode_card_types([vip]), AT)


def ingest(db: HqDatabase, feed: TerminalFeed, *events: WireEvent) -> IngestResult:
    """The events as one batch from the feed's terminal, stored: no dead letter."""
    if any(event.type in ("sale.completed", "package.purchased") for event in events):
        publish_feed_documents(db)
    publish_feed_coupons(db, *(event.payload["coupon_used"] for event in events
                               if event.payload.get("coupon_used")))
    result = Ingestor(db).handle_events(feed.topic, feed.batch(events), feed.at)
    assert result.dead_letter_reason is None, result.dead_letter_reason
    return result
