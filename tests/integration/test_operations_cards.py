"""Card services end to end: enrolment with its fee, loss and freeze and their reversal,
replacement (balances move to the new number), extension, cancellation (principal paid out less
the fee, with the PIN); refusals commit nothing."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from membership.birthdays import parse_birthday
from membership.cards import Card, CardStatus
from membership.errors import DomainError
from membership.ledger import CardBalances
from membership.tenders import TenderKind as K
from terminal.cashier import operations as ops
from terminal.cashier.ports import CardRef, MemberProfile, MemberRecord
from terminal.demo import store as demo
from tests.integration.cashier_world import (
    CARD_NO,
    CASHIER,
    MANAGER,
    OTHER_CARD_NO,
    cashier_world,
    refused_key,
    tenders,
)

NEW_CARD_NO = "8800000000000009"


class FakeDirectory:
    """HQ's member directory as a hand-written fake: the cards HQ knows; offline gives None."""

    def __init__(self, known: tuple[str, ...] = (), online: bool = True) -> None:
        self.known, self.online = known, online
        self.asked: list[CardRef] = []

    def lookup_card(self, card: CardRef) -> MemberRecord | None:
        self.asked.append(card)
        if not self.online:
            return None
        if card.card_no not in self.known:
            raise DomainError("card.unknown")
        return MemberRecord(MemberProfile("M9"), Card(card.card_no, "M9", "GOLD"),
                            CardBalances(), datetime(2026, 11, 23))

    def lookup_phone(self, phone: str) -> tuple[MemberRecord, ...] | None:
        return None


@pytest.fixture
def world(tmp_path):
    with cashier_world(tmp_path) as opened:
        yield opened


@pytest.fixture
def member(world):
    """张三 with ¥1000.00 paid in and ¥100.00 bonus."""
    return world.enrol(top_up=100000)


def _refused(world, operation, *args, **kwargs) -> str:
    books = world.books(CARD_NO, NEW_CARD_NO)
    with pytest.raises(DomainError) as refused:
        operation(world.ctx, MANAGER, *args, **kwargs)
    assert world.books(CARD_NO, NEW_CARD_NO) == books
    return refused_key(refused.value)


def test_enrolment_issues_the_card_and_takes_the_fee_in_cash(world):
    result = ops.enrol_member(world.ctx, CASHIER, CARD_NO, "张三", "GOLD",
                              tenders((K.CASH, 5000)))
    known = world.store.known_card(CARD_NO)
    assert known is not None and known.member.name == "张三"
    card = known.card
    assert (card.status, card.level, card.member_id) == (
        CardStatus.ACTIVE, "NORMAL", f"M-{result.op_id}")
    assert card.expires_on == date(2028, 11, 21)  # 730 days, today included
    assert world.events(result.op_id)[0] == "card.issued"
    assert [(line.staff_id, line.amount) for line in result.decision.commissions] == [
        ("S01", 1000)]
    lines = world.printed_lines(result)
    assert lines[0] == "会员卡业务单" and "开卡" in lines
    assert {"开卡费                   ¥20.00", "找零                     ¥30.00"} <= set(lines)
    assert result.printing.result.drawer_kicked


def test_a_new_member_is_registered_at_hq_through_the_outbox(world):
    result = ops.enrol_member(world.ctx, CASHIER, CARD_NO, "张三", "GOLD",
                              tenders((K.CASH, 2000)), uid="04:a1:b2:c3",
                              phone="138 0013-8000", birthday=parse_birthday("lunar:08-15"))
    assert world.events(result.op_id) == ["card.issued", "member.registered"]
    issued, registered = (event.document["payload"]
                          for event in world.store.outbox_batch(0, 10))
    assert issued["uid"] == "04A1B2C3"
    assert (registered["member_id"], registered["name"], registered["phone"]) == (
        f"M-{result.op_id}", "张三", "13800138000")
    assert registered["birthday"] != ""


def test_another_card_for_a_known_member_registers_nothing_new(world, member):
    result = ops.enrol_member(world.ctx, CASHIER, OTHER_CARD_NO, "张三", "GOLD",
                              tenders((K.CASH, 2000)), member_id=member.card.member_id)
    assert world.events(result.op_id) == ["card.issued"]
    assert world.store.known_card(OTHER_CARD_NO).card.member_id == member.card.member_id


def test_a_card_number_in_use_is_not_issued_again(world, member):
    assert _refused(world, ops.enrol_member, CARD_NO, "李四", "GOLD",
                    tenders((K.CASH, 2000))) == "card.already_issued"
    assert world.store.card_balances(CARD_NO).principal == 100000


def test_hq_is_asked_whether_a_new_card_number_is_free(world):
    world.ctx.directory = FakeDirectory(known=(OTHER_CARD_NO,))
    assert _refused(world, ops.enrol_member, OTHER_CARD_NO, "李四", "GOLD",
                    tenders((K.CASH, 2000))) == "card.already_issued"
    ops.enrol_member(world.ctx, CASHIER, CARD_NO, "张三", "GOLD", tenders((K.CASH, 2000)))
    world.ctx.directory = FakeDirectory(online=False)  # offline: the terminal's own cards
    ops.enrol_member(world.ctx, CASHIER, OTHER_CARD_NO, "李四", "GOLD", tenders((K.CASH, 2000)))
    assert world.store.known_card(OTHER_CARD_NO) is not None


def test_an_unknown_card_type_is_refused(world):
    assert _refused(world, ops.enrol_member, CARD_NO, "张三", "PLATINUM",
                    []) == "card.type_unknown"


@pytest.mark.parametrize("block, unblock, status, events", [
    (ops.report_loss, ops.cancel_loss, CardStatus.LOST, ["card.lost", "card.found"]),
    (ops.freeze_card, ops.unfreeze_card, CardStatus.FROZEN, ["card.frozen", "card.unfrozen"]),
])
def test_loss_and_freeze_block_the_card_until_undone(world, member, block, unblock, status,
                                                     events):
    blocked = block(world.ctx, MANAGER, member)
    assert world.store.known_card(CARD_NO).card.status is status
    lines = world.printed_lines(blocked)
    assert lines[0] == "会员卡业务单" and not blocked.printing.result.drawer_kicked
    unblocked = unblock(world.ctx, MANAGER, world.member())
    assert world.store.known_card(CARD_NO).card.status is CardStatus.ACTIVE
    assert world.events(blocked.op_id) + world.events(unblocked.op_id) == events


def test_unfreezing_an_active_card_is_refused(world, member):
    assert _refused(world, ops.unfreeze_card, member) == "card.transition_illegal"


def test_a_replacement_moves_every_balance_to_the_new_card(world, member):
    ops.buy_package(world.ctx, CASHIER, member, "FACIAL10", tenders((K.BANK_CARD, 158000)))
    ops.report_loss(world.ctx, CASHIER, world.member())
    # HQ's blacklist already lists the lost card: moving its balances is not a debit.
    world.store.apply_config("blacklist", "all", 1, {"cards": {CARD_NO: "lost"}})
    result = ops.replace_card(world.ctx, MANAGER, world.member(), NEW_CARD_NO,
                              tenders((K.CASH, 1000)))
    old, new = world.store.card_balances(CARD_NO), world.store.card_balances(NEW_CARD_NO)
    assert (old.stored_value, old.counts_for("FACIAL", date(2026, 11, 23))) == (0, 0)
    assert (new.principal, new.bonus, new.counts_for("FACIAL", date(2026, 11, 23))) == (
        100000, 10000, 10)
    assert world.store.known_card(CARD_NO).card.replaced_by == NEW_CARD_NO
    assert world.store.known_card(NEW_CARD_NO).card.status is CardStatus.ACTIVE
    assert world.events(result.op_id) == ["card.replaced"]
    lines = world.printed_lines(result)
    assert {"换卡", "补卡费                   ¥10.00", "本金余额               ¥1000.00",
            "卡号：8800********0009"} <= set(lines)


def test_a_replacement_onto_a_card_in_use_is_refused(world, member):
    world.enrol(OTHER_CARD_NO, name="李四")
    books = world.books(CARD_NO, OTHER_CARD_NO)
    with pytest.raises(DomainError) as refused:
        ops.replace_card(world.ctx, MANAGER, world.member(), OTHER_CARD_NO,
                         tenders((K.CASH, 1000)))
    assert refused_key(refused.value) == "card.already_issued"
    assert world.books(CARD_NO, OTHER_CARD_NO) == books


def test_an_expired_card_is_extended(world, member):
    world.clock.advance(days=800)
    result = ops.extend_card(world.ctx, MANAGER, world.member(), [])
    card = world.store.known_card(CARD_NO).card
    assert card.expires_on == date(2031, 1, 30)  # today + 729: the GOLD card's 730 days
    assert world.events(result.op_id) == ["card.extended"]
    assert "有效期至              2031-01-30" in world.printed_lines(result)


def test_cancelling_pays_the_principal_less_the_fee_in_cash(world, member):
    kicks = world.printer.drawer_kicks
    result = ops.cancel_card(world.ctx, MANAGER, member, world.pin())
    assert world.store.known_card(CARD_NO).card.status is CardStatus.CANCELLED
    balances = world.store.card_balances(CARD_NO)
    assert (balances.principal, balances.bonus) == (0, 0)
    assert world.events(result.op_id) == ["card.cancelled"]
    lines = world.printed_lines(result)
    assert {"退卡", "退卡手续费               ¥20.00", "退还本金                ¥980.00"} <= set(
        lines)
    assert world.printer.drawer_kicks == kicks + 1


def test_cancelling_refusals_commit_nothing(world, member):
    assert _refused(world, ops.cancel_card, member, None) == "pin.required"
    world.apply_limits(2, per_card_fen=50000)  # ¥1000 of principal is over the offline limit
    assert _refused(world, ops.cancel_card, member, world.pin()) == "offline.limit_reached"
    assert world.store.known_card(CARD_NO).card.status is CardStatus.ACTIVE


def test_a_card_without_principal_is_cancelled_without_a_pin(world):
    member = world.enrol()
    result = ops.cancel_card(world.ctx, MANAGER, member, None)
    assert world.store.known_card(CARD_NO).card.status is CardStatus.CANCELLED
    assert not result.debits and demo.GOLD_CARD.fees.cancellation == 2000



def test_a_card_cancellation_would_refuse_is_refused_before_the_pin(world, member):
    """Lost cards may be cancelled (the member's money goes back to them); frozen ones not."""
    ops.report_loss(world.ctx, CASHIER, member)
    ops.check_can_cancel_card(world.ctx, world.member())
    ops.cancel_loss(world.ctx, CASHIER, world.member())
    ops.freeze_card(world.ctx, MANAGER, world.member())
    with pytest.raises(DomainError) as refused:
        ops.check_can_cancel_card(world.ctx, world.member())
    assert refused_key(refused.value) == "card.transition_illegal"
    assert _refused(world, ops.cancel_card, world.member(),
                    world.pin()) == "card.transition_illegal"
