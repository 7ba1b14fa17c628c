"""Texts of the member level upgrade at the counter (terminal.cashier.level_upgrade): the
receipt's row and the member panel's announcement."""

from __future__ import annotations

MESSAGES = {
    "receipt.level_up": ("会员升级为", "Member level now"),
    "panel.level_up": ("恭喜！会员等级已升级为 {level}，下次消费起享受新折扣",
                       "Congratulations: now {level}, with its discount from the next sale"),
}
