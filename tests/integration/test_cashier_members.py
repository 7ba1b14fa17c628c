"""Finding members (terminal.cashier.members): HQ first, the store when HQ cannot answer, the
blacklist, subsidiary cards, and the member context sales are decided with."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from huiyuan_devices.cardreader.base import CardPresented, CardSource

from membership import counter_operations as counter
from membership.cards import Card, CardStatus
from membership.catalogue import SaleLine
from membership.errors import CardStateError, DomainError, InvalidInput
from membership.ledger import CardBalances
from membership.member_panel import ReminderKind
from membership.sale import SaleRequest, decide_sale
from membership.tenders import Tender, TenderKind
from terminal.cashier.members import MemberDesk
from terminal.cashier.ports import CardRef, MemberProfile, MemberRecord
from terminal.demo import store as demo
from tests.integration import store_world
from tests.integration.desk_world import (
    AWAY_CARD_NO,
    AWAY_PHONE,
    AWAY_UID,
    FACIAL_LOT,
    away_balances,
    away_record,
    desk_world,
)

TAPPED = CardPresented("reader", uid=AWAY_UID, source=CardSource.CONTACTLESS)


def test_a_card_enrolled_at_another_store_is_found_at_hq_and_decidable_here(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.directory.records.append(away_record())
        view = MemberDesk(world.ctx).find_by_card(TAPPED)  # a UID-only card

        assert view.from_hq and view.card_no == AWAY_CARD_NO and view.can_pay
        assert (view.profile.name, view.panel.phone_masked) == ("赵六", "138****5678")
        assert (view.panel.level_name, view.panel.card_type_name) == ("银卡会员", "金卡")
        assert view.context.balances == away_balances()
        assert view.context.card_type == demo.GOLD_CARD
        assert view.panel.counts[0].uses == 6 and view.panel.coupons == ("WELCOME10",)
        # 农历十月十八 is on 26 November: three days from now.
        assert [r.kind for r in view.panel.reminders] == [ReminderKind.BIRTHDAY]

        # The terminal decides a sale on it with HQ's lots: a facial from the SH002 package.
        request = SaleRequest(world.ctx.operation(None).op_id, world.clock(),
                              (SaleLine(1, demo.PRODUCTS["FACIAL"], 1, use_count=True),))
        sale = decide_sale(request, demo.STORE, demo.RULES, view.context)
        assert [entry.lot for entry in sale.entries] == [FACIAL_LOT]
        world.store.commit_sale(sale)

        # Offline now: the store answers, HQ's lots plus the unacknowledged use.
        world.directory.online = False
        offline = MemberDesk(world.ctx).find_by_card(CardRef(card_no=AWAY_CARD_NO))
        assert not offline.from_hq
        assert offline.panel.counts[0].uses == 5
        assert offline.context.balances.principal == 30000
        again = MemberDesk(world.ctx).find_by_card(TAPPED)  # and by the UID alone
        assert again.card_no == AWAY_CARD_NO


def test_a_card_unknown_to_hq_and_to_the_store_is_refused(tmp_path: Path):
    with desk_world(tmp_path) as world:
        desk = MemberDesk(world.ctx)
        with pytest.raises(DomainError) as online:
            desk.find_by_card(CardRef(card_no="8800000000009999"))
        world.directory.online = False
        with pytest.raises(DomainError) as offline:
            desk.find_by_card(TAPPED)
        with pytest.raises(InvalidInput):
            desk.find_by_card(CardRef())
    assert online.value.key == offline.value.key == "card.unknown"


def test_a_card_enrolled_here_offline_is_found_though_hq_does_not_know_it_yet(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.store.commit_counter(store_world.enrolment("SH001-T1-000001"))
        view = MemberDesk(world.ctx).find_by_card(CardRef(card_no=store_world.CARD_NO))
        assert world.directory.asked  # HQ was asked and did not know it
        assert (view.from_hq, view.profile.name, view.can_pay) == (False, "张三", True)
        assert view.context.balances == world.store.card_balances(store_world.CARD_NO)


def test_without_hq_the_store_alone_answers(tmp_path: Path):
    with desk_world(tmp_path, hq=False) as world:
        world.store.cache_member_record(away_record())
        view = MemberDesk(world.ctx).find_by_card(TAPPED)
        assert view.card_no == AWAY_CARD_NO and not view.from_hq


def test_phone_lookup_asks_hq_then_falls_back_to_the_store(tmp_path: Path):
    with desk_world(tmp_path) as world:
        second = replace(away_record(), card=Card("8800000000000078", "M0077", "GOLD"))
        world.directory.records += [away_record(), second]
        desk = MemberDesk(world.ctx)
        found = desk.find_by_phone(" 138-1234-5678 ")
        assert [view.card_no for view in found] == [AWAY_CARD_NO, "8800000000000078"]
        assert all(view.from_hq for view in found)
        assert desk.find_by_phone("13900000000") == []

        world.directory.online = False
        offline = desk.find_by_phone(AWAY_PHONE)
        assert [(view.card_no, view.from_hq) for view in offline] == [
            (AWAY_CARD_NO, False), ("8800000000000078", False)]
        with pytest.raises(InvalidInput) as bad:
            desk.find_by_phone("138abc")
        assert bad.value.key == "member.phone_invalid"


def test_a_blacklisted_card_is_shown_with_its_status_and_cannot_pay(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.directory.records.append(away_record())
        world.store.apply_config("blacklist", "all", 1, {"cards": {AWAY_CARD_NO: "lost"}})
        view = MemberDesk(world.ctx).find_by_card(TAPPED)

        assert (view.blacklisted, view.panel.status, view.can_pay) == ("lost", CardStatus.LOST,
                                                                      False)
        assert view.panel.reminders[0].kind is ReminderKind.CARD_STATUS
        assert view.context.card.status is CardStatus.LOST
        request = SaleRequest("SH001-T1-000001", world.clock(),
                              (SaleLine(1, demo.PRODUCTS["LATTE"], 1),),
                              (Tender(TenderKind.STORED_VALUE, 2660),))
        with pytest.raises(CardStateError) as refused:
            decide_sale(request, demo.STORE, demo.RULES, view.context)
        assert refused.value.key == "card.lost"
        assert MemberDesk(world.ctx).member_context(AWAY_CARD_NO).card.status is CardStatus.LOST


def test_a_subsidiary_card_spends_its_parents_account(tmp_path: Path):
    with desk_world(tmp_path) as world:
        child = Card("8800000000000079", "M0078", "GOLD", issued_on=date(2026, 10, 2),
                     parent_card_no=AWAY_CARD_NO, quota=50000)
        child_record = MemberRecord(MemberProfile("M0078", "赵小六"), child,
                                    CardBalances(), away_record().as_of)
        world.directory.records += [child_record, away_record()]
        view = MemberDesk(world.ctx).find_by_card(CardRef(card_no=child.card_no))

        context = view.context
        assert context.parent is not None and context.parent.card_no == AWAY_CARD_NO
        assert context.account_card.card_no == AWAY_CARD_NO
        assert context.balances == away_balances()  # the parent's, fetched from HQ
        assert view.panel.stored_value == 33000

        request = SaleRequest(world.ctx.operation(None).op_id, world.clock(),
                              (SaleLine(1, demo.PRODUCTS["LATTE"], 1),),
                              (Tender(TenderKind.STORED_VALUE, 2660),))
        sale = decide_sale(request, demo.STORE, demo.RULES, context)
        assert {(e.card_no, e.actor_card_no) for e in sale.entries if e.delta < 0} == {
            (AWAY_CARD_NO, child.card_no)}
        world.store.commit_sale(sale)
        assert MemberDesk(world.ctx).member_context(child.card_no).parent_entries  # quota


def test_a_card_type_the_configuration_lacks_is_refused(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.directory.records.append(replace(
            away_record(), card=replace(away_record().card, type_code="PLATINUM")))
        with pytest.raises(DomainError) as refused:
            MemberDesk(world.ctx).find_by_card(TAPPED)
        assert refused.value.params == {"code": "PLATINUM"}


def test_a_top_up_decided_on_the_member_context_commits(tmp_path: Path):
    with desk_world(tmp_path) as world:
        world.directory.records.append(away_record())
        view = MemberDesk(world.ctx).find_by_card(TAPPED)
        decision = counter.top_up(world.ctx.operation(None), view.context, 50000,
                                  [Tender(TenderKind.CASH, 50000)])
        world.store.commit_counter(decision)
        assert MemberDesk(world.ctx).member_context(AWAY_CARD_NO).balances.stored_value == (
            33000 + 50000 + 3000)
