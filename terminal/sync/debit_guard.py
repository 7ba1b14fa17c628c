"""May this card be debited now? (decision 6)

Online, HQ decides and holds the amount (request/response over MQTT 5). Offline — or when HQ
does not answer in time — the core decides (membership.offline_limits.decide_offline_debit)
within the offline limits HQ publishes (`offline_limits` document), from what this module reads
from the store: the last balance known, this terminal's unsynced debits. A card on the
`blacklist` document is refused before HQ is asked. HQ flags any overdraft that offline sales
cause when their events arrive.

A gift's stock is guarded the same way (kind "gift", the gift's code as the service, units as
the amount): HQ holds the units online; offline, membership.gift_stock.decide_offline_gift
bounds them by the `gift_stock` document less this terminal's unsynced redemptions and by the
terminal's `per_terminal_gifts` allowance.
"""

from __future__ import annotations

from membership.config_codec_blacklist import BLACKLIST, decode_blacklist
from membership.config_codec_rules import POINTS_RULES, decode_points_rules
from membership.gift_stock import (
    GIFT,
    GIFT_STOCK,
    decide_offline_gift,
    decode_gift_stock,
    known_left,
)
from membership.offline_limits import (
    COUNT,
    OFFLINE_LIMITS,
    DebitDecision,
    OfflineLimits,
    OfflinePosition,
    available_in,
    decide_offline_debit,
)
from protocol.wire_auth import AuthRequest
from terminal.sync.client import SyncClient
from terminal.sync.ports import GuardStore


class DebitGuard:
    def __init__(self, terminal_id: str, store: GuardStore, sync: SyncClient | None) -> None:
        self.terminal_id, self.store, self.sync = terminal_id, store, sync

    def authorise(self, op_id: str, card_no: str, kind: str, amount: int,
                  service: str = "") -> DebitDecision:
        """Call from a worker thread: online it waits up to the sync's authorisation time-out."""
        blocked = self._blacklisted(card_no)
        if blocked:
            return DebitDecision(False, False, f"card.{blocked}")
        if self.sync is not None:
            answer = self.sync.authorise(
                AuthRequest(self.terminal_id, op_id, card_no, kind, amount, service))
            if answer is not None:
                before = answer.available + (amount if answer.approved else 0)
                self.store.remember_hq_available(card_no, kind, service, before)
                return DebitDecision(answer.approved, True, answer.reason, answer.available)
        return self._offline(card_no, kind, amount, service)

    def _blacklisted(self, card_no: str) -> str:
        """The store refused any malformed version of the list when it was applied."""
        document = self.store.effective_config(BLACKLIST)
        status = decode_blacklist(document.body).status_of(card_no) if document else None
        return status.value if status is not None else ""

    def _offline(self, card_no: str, kind: str, amount: int, service: str) -> DebitDecision:
        document = self.store.effective_config(OFFLINE_LIMITS)
        limits = OfflineLimits.from_document(document.body if document else None)
        if kind == GIFT:
            return self._offline_gift(service, amount, limits)
        unsynced = self.store.unsynced_debits(card_no)
        answer = self.store.hq_available(card_no, kind, service)
        position = OfflinePosition(
            hq_available=None if answer is None else answer.available,
            cached_available=available_in(self.store.last_known_balances(card_no), kind,
                                          service),
            card_unsynced=(unsynced.counts.get(service, 0) if kind == COUNT
                           else unsynced.stored_value),
            terminal_unsynced_fen=self.store.unsynced_debits_total())
        return decide_offline_debit(card_no, kind, amount, limits, position)

    def _offline_gift(self, code: str, units: int, limits: OfflineLimits) -> DebitDecision:
        """`code`'s stock as the `gift_stock` document last said (the gift's published stock
        if it says nothing of it), for a gift whose catalogue entry has a stock."""
        document = self.store.effective_config(GIFT_STOCK)
        published = decode_gift_stock(document.body if document else None)
        unsynced = self.store.unsynced_gift_units()
        return decide_offline_gift(units, self._known_left(code, published), unsynced.get(code, 0),
                                   sum(unsynced.values()), limits.per_terminal_gifts)

    def _known_left(self, code: str, published: dict[str, int]) -> int | None:
        rules = self.store.effective_config(POINTS_RULES)
        gifts = decode_points_rules(rules.body).gifts if rules else ()
        gift = next((gift for gift in gifts if gift.code == code), None)
        if gift is None:  # not offered here: nothing is known to be left
            return 0
        return known_left(gift, published)
