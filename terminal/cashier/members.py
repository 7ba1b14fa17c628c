"""Finding a member at the counter (by the card read, or by phone) and what the terminal decides
their operations with.

HQ's directory is asked first when there is one, and what it answers is cached in the store
(a card enrolled at another store becomes decidable here: its lots come with it). When HQ
cannot answer, the store's own knowledge serves: the last answer cached, plus this terminal's
operations HQ has not acknowledged. A card HQ does not know may still be known here (enrolled
offline, its event not yet at HQ). A card on the blacklist document is shown with the
blacklist's status and cannot pay: its MemberContext carries that status, so every decision of
the core refuses it. The panel lists only the member's coupons that are still usable
(terminal.cashier.coupons.member_coupons): HQ's list may predate a sale made here.

Known limit: a subsidiary card's quota is checked against the parent's entries this terminal
holds; spending at other terminals is HQ's to check when it authorises the debit.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Protocol

from membership.cards import Card, CardStatus
from membership.config_codec_blacklist import BLACKLIST, Blacklist, decode_blacklist
from membership.errors import DomainError, InvalidInput
from membership.levels import Level, LevelPolicy
from membership.member_panel import MemberPanel, member_panel
from membership.money import Fen
from membership.profiles import normalise_phone
from membership.sale import MemberContext
from terminal.cashier.context import CashierContext
from terminal.cashier.coupons import member_coupons
from terminal.cashier.level_upgrade import announce_level_up
from terminal.cashier.ports import CardRef, MemberProfile, MemberRecord
from terminal.store.cache import KnownCard

_MAX_REPLACEMENTS = 10  # how far a subsidiary card follows its parent's replacements


class PresentedCard(Protocol):
    """How a card was read: huiyuan_devices' CardPresented and ports.CardRef both are."""

    @property
    def card_no(self) -> str: ...

    @property
    def uid(self) -> str: ...


@dataclass(frozen=True)
class MemberView:
    panel: MemberPanel  # what the member panel shows
    context: MemberContext  # what sales and counter operations decide with
    profile: MemberProfile
    from_hq: bool  # HQ answered just now; False: what this terminal knew
    blacklisted: str = ""  # the blacklist's status for the card (or its parent), "" if none

    @property
    def card_no(self) -> str:
        return self.context.card.card_no

    @property
    def can_pay(self) -> bool:
        return self.panel.can_pay


class MemberDesk:
    def __init__(self, ctx: CashierContext, low_balance_fen: Fen | None = None) -> None:
        self.ctx = ctx
        self.low_balance_fen = low_balance_fen  # None: membership.member_panel's default

    def find_by_card(self, card: PresentedCard) -> MemberView:
        """The member of the card read (by our card number, else by its UID)."""
        if not card.card_no and not card.uid:
            raise InvalidInput("card.required")
        record = self._ask_hq(CardRef(card.card_no, card.uid, presented=True))
        if record is not None:
            self.ctx.store.cache_member_record(record)
            return self.view(record.card.card_no, from_hq=True)
        known = self.ctx.store.known_card(card.card_no) if card.card_no else None
        known = known or self.ctx.store.known_card_by_uid(card.uid)
        if known is None:
            raise DomainError("card.unknown", card_no=card.card_no)
        return self.view(known.card.card_no)

    def find_by_phone(self, phone: str) -> list[MemberView]:
        """Every card of the member(s) with this phone number; empty when there is none."""
        digits = normalise_phone(phone)
        if not digits:
            raise InvalidInput("member.phone_invalid")
        records = self.ctx.directory.lookup_phone(digits) if self.ctx.directory else None
        if records is not None:
            for record in records:
                self.ctx.store.cache_member_record(record)
            return [self.view(record.card.card_no, from_hq=True) for record in records]
        return [self.view(known.card.card_no)
                for known in self.ctx.store.members_by_phone(digits)]

    def member_context(self, card_no: str) -> MemberContext:
        """What the core decides this card's operations with, blacklist applied."""
        return self._with_blacklist(self._context(self._known(card_no)))[0]

    def view(self, card_no: str, from_hq: bool = False) -> MemberView:
        """The member view of a card the store knows."""
        known = self._known(card_no)
        context, blacklisted = self._with_blacklist(self._context(known))
        member = known.member
        profile = MemberProfile(member.member_id, member.name, member.phone, member.birthday)
        status = context.card.status if blacklisted else None
        coupons = member_coupons(self.ctx, self.ctx.configuration(), known.coupons,
                                 known.card.member_id)
        panel = member_panel(known.card, context.card_type, context.level, context.balances,
                             profile, self.ctx.clock().date(), coupons=coupons,
                             status=status, low_balance_fen=self.low_balance_fen)
        panel = announce_level_up(self.ctx, known.card, panel)
        return MemberView(panel, context, profile, from_hq, blacklisted)

    def _ask_hq(self, card: CardRef) -> MemberRecord | None:
        if self.ctx.directory is None:
            return None
        try:
            return self.ctx.directory.lookup_card(card)
        except DomainError as error:
            if error.key != "card.unknown":
                raise
            return None  # perhaps enrolled here offline: the store may know it

    def _known(self, card_no: str) -> KnownCard:
        known = self.ctx.store.known_card(card_no)
        if known is None:
            raise DomainError("card.unknown", card_no=card_no)
        return known

    def _context(self, known: KnownCard) -> MemberContext:
        card = known.card
        parent = self._parent(card.parent_card_no) if card.is_subsidiary else None
        account = parent or card
        configuration = self.ctx.configuration()
        card_type = configuration.card_types.get(account.type_code)
        if card_type is None:
            raise DomainError("card.type_unknown", code=account.type_code)
        store = self.ctx.store
        return MemberContext(
            card=card, card_type=card_type, balances=store.balances_for_decision(account.card_no),
            level=_level(configuration.levels, card.level or account.level),
            member_name=known.member.name, parent=parent,
            parent_entries=store.ledger_entries(parent.card_no) if parent else ())

    def _parent(self, parent_card_no: str) -> Card:
        """The card a subsidiary card pays from. A parent replaced since (on another terminal,
        or before HQ moved this card) is followed to its replacement, which holds the money."""
        card = self._parent_card(parent_card_no)
        for _ in range(_MAX_REPLACEMENTS):
            if card.status is not CardStatus.REPLACED or not card.replaced_by:
                break
            card = self._parent_card(card.replaced_by)
        return card

    def _parent_card(self, parent_card_no: str) -> Card:
        known = self.ctx.store.known_card(parent_card_no)
        if known is None:
            record = self._ask_hq(CardRef(card_no=parent_card_no))
            if record is not None:
                self.ctx.store.cache_member_record(record)
                known = self.ctx.store.known_card(parent_card_no)
        if known is None:
            raise DomainError("subsidiary.parent_unknown", parent_card_no=parent_card_no)
        return known.card

    def _with_blacklist(self, context: MemberContext) -> tuple[MemberContext, str]:
        listed = self._blacklist()
        own = listed.status_of(context.card.card_no)
        parents = listed.status_of(context.parent.card_no) if context.parent else None
        status = own or parents
        if status is None:
            return context, ""
        parent = context.parent
        if parent is not None and parents is not None:
            parent = dataclasses.replace(parent, status=parents)
        return dataclasses.replace(context, card=dataclasses.replace(context.card, status=status),
                                   parent=parent), status.value

    def _blacklist(self) -> Blacklist:
        """The list in force. The store refused any malformed version when it was applied."""
        document = self.ctx.store.effective_config(BLACKLIST)
        return decode_blacklist(document.body) if document else Blacklist()


def _level(policy: LevelPolicy | None, code: str) -> Level | None:
    if policy is None:
        return None
    # A level HQ has since removed prices at the base level rather than refuse the member.
    return next((level for level in policy.levels if level.code == code), policy.base)
