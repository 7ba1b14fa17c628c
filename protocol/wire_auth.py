"""Authorisation on the wire: a terminal asks HQ to hold stored value or uses before a debit
(`auth/req`), HQ answers (`auth/resp`). docs/protocol.md, "Authorisation"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from membership.money import MAX_FEN
from protocol.wire import SCHEMA, decode, encode, own_terminal, required_text
from protocol.wire_bounds import MAX_COUNT_USES, MAX_TERMINAL_INT, WireError, is_int
from protocol.wire_times import local_time, optional_wire_time

AUTH_KINDS = ("stored_value", "count", "gift")  # gift: units of the gift named by `service`


@dataclass(frozen=True)
class AuthRequest:
    """Ask HQ to hold `amount` fen of stored value (or `amount` uses of the count service, or
    units of the gift, named by `service`) for op_id."""

    terminal_id: str
    op_id: str
    card_no: str
    kind: str
    amount: int
    service: str = ""

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "terminal_id": self.terminal_id, "op_id": self.op_id,
                       "card_no": self.card_no, "kind": self.kind, "amount": self.amount,
                       "service": self.service})


def parse_auth_request(topic: str, payload: bytes) -> AuthRequest:
    message = decode(payload, max_int=MAX_TERMINAL_INT)
    terminal_id = own_terminal(topic, "auth/req", message)
    kind, amount = message.get("kind"), message.get("amount")
    if kind not in AUTH_KINDS:
        raise WireError("invalid_field", "kind")
    if not is_int(amount) or amount <= 0:
        raise WireError("negative_amount", "amount")
    if amount > (MAX_FEN if kind == "stored_value" else MAX_COUNT_USES):
        raise WireError("out_of_range", "amount")
    service = message.get("service", "")
    if kind != "stored_value" and (not isinstance(service, str) or not service):
        raise WireError("invalid_field", "service")
    return AuthRequest(terminal_id, required_text(message, "op_id"),
                       required_text(message, "card_no"), kind, amount,
                       service if isinstance(service, str) else "")


@dataclass(frozen=True)
class AuthResponse:
    op_id: str
    approved: bool
    reason: str = ""  # a message key when declined: balance.insufficient, card.lost, ...
    available: int = 0  # what HQ knows is left, after this hold
    hold_expires_at: datetime | None = None

    def to_bytes(self) -> bytes:
        return encode({"schema": SCHEMA, "op_id": self.op_id, "approved": self.approved,
                       "reason": self.reason, "available": self.available,
                       "hold_expires_at": optional_wire_time(self.hold_expires_at)})


def parse_auth_response(payload: bytes) -> AuthResponse:
    message = decode(payload)
    approved, available = message.get("approved"), message.get("available", 0)
    if not isinstance(approved, bool) or not is_int(available):
        raise WireError("invalid_field", "approved/available")
    expires = message.get("hold_expires_at")
    return AuthResponse(required_text(message, "op_id"), approved,
                        str(message.get("reason", ""))[:80], available,
                        local_time(message, "hold_expires_at") if expires else None)
