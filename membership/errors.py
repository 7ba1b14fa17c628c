"""Domain errors. Each carries a message key that the UI translates, and plain parameters."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain was broken. `key` names the translated message, e.g. `card.lost`."""

    key: str = "domain.error"

    def __init__(self, key: str | None = None, **params: Any) -> None:
        self.key = key or type(self).key
        self.params = params
        detail = ", ".join(f"{name}={value!r}" for name, value in sorted(params.items()))
        super().__init__(f"{self.key}" + (f" ({detail})" if detail else ""))


class InvalidInput(DomainError):
    """Input that can never be valid: malformed numbers, negative quantities, unknown codes."""

    key = "input.invalid"


class MoneyError(InvalidInput):
    key = "money.invalid"


class CardStateError(DomainError):
    """The card's state forbids the operation (lost, frozen, expired, cancelled, replaced)."""

    key = "card.state"


class IllegalTransition(CardStateError):
    key = "card.transition_illegal"


class InsufficientBalance(DomainError):
    key = "balance.insufficient"


class QuotaExceeded(DomainError):
    key = "subsidiary.quota_exceeded"


class CouponError(DomainError):
    key = "coupon.invalid"


class PromotionError(DomainError):
    key = "promotion.invalid"


class TenderError(DomainError):
    key = "tender.invalid"


class PointsError(DomainError):
    key = "points.invalid"


class CountError(DomainError):
    key = "count.invalid"


class RefundError(DomainError):
    key = "refund.invalid"


class BirthdayError(DomainError):
    key = "birthday.invalid"


class ConfigError(DomainError):
    """A configuration document (card type, rule, promotion) is inconsistent."""

    key = "config.invalid"
