"""The fleet hosts' select() on poll() (bench/fleet_hosts.py) keeps select.select()'s contract
for what paho passes it, and watches descriptors select() cannot (1024 and above)."""

from __future__ import annotations

import os
import select
import socket
from contextlib import ExitStack

import pytest

from bench.fleet_hosts import select_by_poll


def test_it_answers_as_select_does_for_readable_and_writable_sockets() -> None:
    left, right = socket.socketpair()
    with left, right:
        assert select_by_poll([left, right], [left], [], 0) == ([], [left], [])
        right.send(b"x")
        assert select_by_poll([left, right], [], [], 0) == ([left], [], [])
        assert select_by_poll([left, right], [], [], 0)[:2] == select.select([left, right], [],
                                                                            [], 0)[:2]


def test_it_reports_a_closed_peer_as_readable_and_refuses_closed_sockets_as_select_does() -> None:
    left, right = socket.socketpair()
    with left:
        right.close()
        assert select_by_poll([left], [], [], 0)[0] == [left]
    with pytest.raises(ValueError):
        select_by_poll([right], [], [], 0)  # fileno() is -1 once closed
    with pytest.raises(TypeError):
        select_by_poll([None], [], [], 0)


def test_it_watches_a_descriptor_above_selects_ceiling() -> None:
    with ExitStack() as stack:
        left, right = socket.socketpair()
        stack.enter_context(left)
        stack.enter_context(right)
        high = os.dup2(left.fileno(), 1500)
        stack.callback(os.close, high)
        right.send(b"x")
        with pytest.raises(ValueError):
            select.select([high], [], [], 0)
        assert select_by_poll([high], [], [], 0) == ([high], [], [])
