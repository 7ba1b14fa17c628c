"""Which terminal an op_id belongs to (hq.hold_limits.owns_op_id): terminal ids may contain
`-`, so the owner is what comes before the op_id's last `-`."""

import pytest

from hq.hold_limits import owns_op_id
from terminal.cashier.context import operation_id


@pytest.mark.parametrize("terminal_id", ["T1", "T1-5", "S01.T-02"])
def test_a_terminal_owns_the_op_ids_it_makes(terminal_id):
    assert owns_op_id(terminal_id, operation_id(terminal_id, 42))


@pytest.mark.parametrize("terminal_id, op_id", [
    ("T1", "T1-5-000001"),  # terminal T1-5's
    ("T1-5", "T1-000001"),
    ("T3", "T1-000002"),
    ("T3", "T3-T1-000002"),
    ("T1", "T1-"),
    ("T1", "T1"),
    ("T1", "T10-000001"),
])
def test_a_terminal_does_not_own_another_terminals_op_ids(terminal_id, op_id):
    assert not owns_op_id(terminal_id, op_id)
