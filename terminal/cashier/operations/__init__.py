"""The cashier's operations, as the Kivy UI calls them on a worker thread.

Each takes the CashierContext, the staff member on duty, usually the member the member desk
looked up (a membership.sale.MemberContext) and the cashier's input. It decides with the core,
asks the debit guard for every stored-value or count debit, commits in one transaction, wakes
the relay and hands the receipt to the print service, and returns an OperationResult. Every
refusal is a membership DomainError with a message key (terminal.i18n.error_message translates
it) and leaves the store untouched. Stored value leaving a card needs a PinProof for it; a
refund or a void needs a ManagerApproval.

The operations live in operations_sale, operations_counter, operations_cards and
operations_refunds; the shared steps in operations_common.
"""

from terminal.cashier.operations.cards import (
    cancel_card,
    cancel_loss,
    check_can_cancel_card,
    enrol_member,
    extend_card,
    freeze_card,
    replace_card,
    report_loss,
    unfreeze_card,
)
from terminal.cashier.operations.common import (
    DebitRefused,
    OperationResult,
    PrintOutcome,
)
from terminal.cashier.operations.counter import (
    buy_package,
    buy_pass,
    buy_time,
    close_time_session,
    gifts_with_stock_known,
    redeem_gift,
    top_up,
    withdraw,
)
from terminal.cashier.operations.refunds import (
    refund_sale,
    reprint_last,
    reprint_receipt,
    void_sale,
)
from terminal.cashier.operations.sale import (
    check_member_can_pay,
    confirm_sale,
    quote_sale,
    use_count,
)
from terminal.receipts.printing import PrintResult  # what a PrintOutcome reports

__all__ = [
    "DebitRefused",
    "OperationResult",
    "PrintOutcome",
    "PrintResult",
    "buy_package",
    "buy_pass",
    "buy_time",
    "cancel_card",
    "cancel_loss",
    "check_can_cancel_card",
    "check_member_can_pay",
    "close_time_session",
    "confirm_sale",
    "enrol_member",
    "extend_card",
    "freeze_card",
    "gifts_with_stock_known",
    "quote_sale",
    "redeem_gift",
    "refund_sale",
    "replace_card",
    "report_loss",
    "reprint_last",
    "reprint_receipt",
    "top_up",
    "unfreeze_card",
    "use_count",
    "void_sale",
    "withdraw",
]
