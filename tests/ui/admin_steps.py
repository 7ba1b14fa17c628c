"""Steps the back-office UI tests share: a manager's approval on the prompt, sales and top-ups
made through the cashier services on the UI's own worker (those screens are tested elsewhere),
and reading the outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.core.window import Window
from kivy.uix.modalview import ModalView

from membership.catalogue import SaleLine
from membership.tenders import Tender, TenderKind
from terminal.cashier.context import StaffMember
from terminal.cashier.operations import OperationResult
from terminal.cashier.ports import PinProof
from terminal.demo.staff import (
    CASHIER_ID,
    CASHIER_NAME,
    CASHIER_PIN,
    MANAGER_ID,
    MANAGER_NAME,
    MANAGER_PIN,
)
from tests.support.ui_driver import UiDriver
from tests.ui.steps import ZHANG, sign_in

CASHIER = StaffMember(CASHIER_ID, CASHIER_NAME, "cashier")
MANAGER = StaffMember(MANAGER_ID, MANAGER_NAME, "manager")

# --- the manager's approval (a prompt over the screen: UiDriver finds its widgets too) ---------


def approve_as_manager(ui: UiDriver, pin: str = MANAGER_PIN) -> None:
    ui.until(lambda: ui.has(f"approval.manager.{MANAGER_ID}"), "the manager approval")
    ui.tap(f"approval.manager.{MANAGER_ID}")
    for digit in pin:
        ui.tap(f"approval.pin.{digit}")
    ui.tap("approval.pin.enter")


def prompt_closes(ui: UiDriver) -> None:
    ui.until(lambda: not any(isinstance(top, ModalView) for top in Window.children),
             "the prompt to close")


# --- earlier operations, on the UI's cashier worker --------------------------------------------


def on_worker(ui: UiDriver, task: Callable[[], Any]) -> Any:
    """Run a cashier task where the screens run theirs (one at a time) and wait for it."""
    outcome: list[Any] = []
    ui.app.bridge.run(task, lambda result: outcome.append(("done", result)),
                      lambda error: outcome.append(("error", error)))
    ui.until(lambda: bool(outcome), "the cashier task")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value


def card_sale(ui: UiDriver) -> OperationResult:
    """张三 buys two lattes and a tiramisu from his stored value (his PIN checked just now)."""
    services = ui.app.services
    ctx = services.ctx

    def sell() -> OperationResult:
        member = services.members.member_context(ZHANG.card_no)
        products = ctx.configuration().products
        lines = [SaleLine(1, products["LATTE"], 2), SaleLine(2, products["CAKE"], 1)]
        due = services.ops.quote_sale(ctx, CASHIER, member, lines).amount_due
        proof = PinProof(ZHANG.card_no, ctx.clock(), "card")
        return services.ops.confirm_sale(ctx, CASHIER, member, lines,
                                         [Tender(TenderKind.STORED_VALUE, due)], pin_proof=proof)

    return _printed(on_worker(ui, sell))


def cash_sale(ui: UiDriver, product: str = "LATTE", qty: int = 1) -> OperationResult:
    """A guest pays cash for `qty` of `product`, exactly."""
    services = ui.app.services
    ctx = services.ctx

    def sell() -> OperationResult:
        lines = [SaleLine(1, ctx.configuration().products[product], qty)]
        due = services.ops.quote_sale(ctx, CASHIER, None, lines).amount_due
        return services.ops.confirm_sale(ctx, CASHIER, None, lines,
                                         [Tender(TenderKind.CASH, due)])

    return _printed(on_worker(ui, sell))


def cash_top_up(ui: UiDriver, paid: int) -> OperationResult:
    services = ui.app.services

    def top_up() -> OperationResult:
        member = services.members.member_context(ZHANG.card_no)
        return services.ops.top_up(services.ctx, CASHIER, member, paid,
                                   [Tender(TenderKind.CASH, paid)])

    return _printed(on_worker(ui, top_up))


def _printed(result: OperationResult) -> OperationResult:
    assert result.printing.wait(10) is not None, "the printer never reported"
    return result


def at_home(ui: UiDriver, staff_id: str = CASHIER_ID, pin: str = CASHIER_PIN) -> None:
    """Signed in, on the home screen, laid out (a tap before layout lands beside the button)."""
    sign_in(ui, staff_id, pin)
    ui.wait_for_screen("home")
    ui.pump(10)


def store(ui: UiDriver) -> Any:
    return ui.app.runtime.store


def message_shows(ui: UiDriver, *words: str) -> str:
    return ui.wait_for_text("message", lambda text: all(word in text for word in words),
                            f"a message with {words}")


# --- refund and void ---------------------------------------------------------------------------
