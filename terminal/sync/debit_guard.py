"""May this card be debited now? (decision 6)

Online, HQ decides and holds the amount (request/response over MQTT 5). Offline — or when HQ
does not answer in time — the terminal may debit only within the offline limits HQ publishes
(`offline_limits` document), per card and for the whole terminal, against the last balance it
knew minus its own unsynced debits; a card on the `blacklist` document is refused. HQ flags any
overdraft that offline sales cause when their events arrive.
"""

from __future__ import annotations

from dataclasses import dataclass

from membership.config_codec_blacklist import BLACKLIST, decode_blacklist
from membership.offline_limits import OfflineLimits
from protocol.wire import AuthRequest
from terminal.sync.client import SyncClient
from terminal.sync.ports import GuardStore


@dataclass(frozen=True)
class DebitDecision:
    approved: bool
    online: bool
    reason: str = ""  # a message key when refused
    available: int | None = None


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
        document = self.store.effective_config("offline_limits")
        limits = OfflineLimits.from_document(document.body if document else None)
        unsynced = self.store.unsynced_debits(card_no)
        if kind == "count":
            used = unsynced.counts.get(service, 0)
            left = min(limits.for_card(card_no, kind) - used, self._known_uses(card_no, service))
        else:
            card_room = limits.for_card(card_no, kind) - unsynced.stored_value
            terminal_room = limits.per_terminal_fen - self.store.unsynced_debits_total()
            left = min(card_room, terminal_room, self._known_stored_value(card_no))
        if amount > left:
            return DebitDecision(False, False, "offline.limit_reached", max(left, 0))
        return DebitDecision(True, False, "", left - amount)

    def _known_stored_value(self, card_no: str) -> int:
        """The last balance this terminal knew, its own unsynced debits already taken off:
        HQ's last authorisation answer when it is newer than the cached record."""
        answer = self.store.hq_available(card_no, "stored_value")
        if answer is not None:
            return answer.available - self.store.unsynced_debits(card_no).stored_value
        return self.store.last_known_balances(card_no).stored_value

    def _known_uses(self, card_no: str, service: str) -> int:
        answer = self.store.hq_available(card_no, "count", service)
        if answer is not None:
            return answer.available - self.store.unsynced_debits(card_no).counts.get(service, 0)
        balances = self.store.last_known_balances(card_no)
        return sum(lot.remaining for lot in balances.count_lots if lot.service == service)
