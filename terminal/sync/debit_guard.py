"""May this card be debited now? (decision 6)

Online, HQ decides and holds the amount (request/response over MQTT 5). Offline — or when HQ
does not answer in time — the core decides (membership.offline_limits.decide_offline_debit)
within the offline limits HQ publishes (`offline_limits` document), from what this module reads
from the store: the last balance known, this terminal's unsynced debits. A card on the
`blacklist` document is refused before HQ is asked. HQ flags any overdraft that offline sales
cause when their events arrive.
"""

from __future__ import annotations

from membership.config_codec_blacklist import BLACKLIST, decode_blacklist
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
