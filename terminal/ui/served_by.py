"""Who served each line of a sale (服务人员), for commission (membership.commission): a small
button on the cart line names them; each tap passes the line to the next person on the staff
roster. A line starts with the cashier signed in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from terminal.cashier.context import StaffMember


class ServedBy:
    def __init__(self, kit: Any) -> None:
        self.kit = kit
        self.roster: list[StaffMember] = []
        self.signed_in: StaffMember | None = None
        self.by_code: dict[str, str] = {}  # product code -> staff_id, when not the cashier's

    def reset(self, signed_in: StaffMember | None) -> None:
        """A new sale: every line is the signed-in cashier's until changed."""
        self.signed_in = signed_in
        self.by_code.clear()

    def show_roster(self, roster: list[StaffMember]) -> None:
        self.roster = roster

    def staff_id(self, code: str) -> str:
        default = self.signed_in.staff_id if self.signed_in else ""
        return self.by_code.get(code, default)

    def name(self, code: str) -> str:
        staff_id = self.staff_id(code)
        for member in self.roster:
            if member.staff_id == staff_id:
                return member.name
        return self.signed_in.name if self.signed_in and staff_id == self.signed_in.staff_id \
            else staff_id

    def button(self, code: str, on_change: Callable[[], None]) -> Any:
        button = self.kit.button("", lambda: self.next(code, on_change), kind="plain",
                                 text=self.name(code), test_id=f"sale.line.{code}.staff")
        button.font_size = self.kit.theme.small_font_size
        return button

    def next(self, code: str, on_change: Callable[[], None]) -> None:
        ids = [member.staff_id for member in self.roster]
        if not ids:
            return
        current = self.staff_id(code)
        following = ids[(ids.index(current) + 1) % len(ids)] if current in ids else ids[0]
        self.by_code[code] = following
        on_change()
