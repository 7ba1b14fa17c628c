"""The last-visit rule (membership.visits): which events are a member's visit, and the latest
one per card."""

from __future__ import annotations

from datetime import datetime

from membership.visits import last_visits, visited_cards

MORNING, NOON, EVENING = (datetime(2026, 12, 8, hour) for hour in (9, 12, 19))


def test_counter_operations_are_visits_of_their_card_and_a_sub_cards_actor():
    assert visited_cards("card.topped_up", {"card_no": "C1"}) == {"C1"}
    assert visited_cards("sale.completed", {"card_no": "P1", "actor_card_no": "S1"}) == {
        "P1", "S1"}
    assert visited_cards("card.replaced", {"old_card_no": "C1", "new_card_no": "C2"}) == {"C2"}


def test_reports_by_phone_profiles_shifts_and_guests_are_not_visits():
    for event_type in ("card.lost", "card.frozen", "member.registered", "shift.opened",
                       "card.level_changed"):
        assert visited_cards(event_type, {"card_no": "C1"}) == set()
    assert visited_cards("sale.completed", {"card_no": ""}) == set()
    assert visited_cards("sale.completed", {"card_no": 12}) == set()
    assert visited_cards("sale.completed", {"card_no": "x" * 65}) == set()


def test_the_latest_visit_wins_whatever_order_the_events_come_in():
    events = [("sale.completed", NOON, {"card_no": "C1"}),
              ("card.topped_up", EVENING, {"card_no": "C1"}),
              ("card.lost", EVENING, {"card_no": "C2"}),
              ("gift.redeemed", MORNING, {"card_no": "C1"}),
              ("card.issued", MORNING, {"card_no": "C2"})]
    assert last_visits(events) == {"C1": EVENING, "C2": MORNING}
