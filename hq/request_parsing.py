"""Parsing a terminal's request (lookup, PIN, snapshot) at HQ: a message the parser refuses is a
dead letter with its reason, and gets no answer; nothing a payload holds may crash a worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from hq.db import HqDatabase
from protocol.wire import WireError

# What membership's parsers may raise on a hostile payload besides WireError (as hq.ingest).
PARSER_ERRORS = (WireError, TypeError, AttributeError, KeyError, ValueError, RecursionError,
                 OverflowError)
Request = TypeVar("Request")


def parsed_or_dead_letter(db: HqDatabase, topic: str, payload: bytes,
                          parse: Callable[[str, bytes], Request], now: datetime
                          ) -> Request | None:
    try:
        return parse(topic, payload)
    except PARSER_ERRORS as error:
        reason = error.reason if isinstance(error, WireError) else "invalid_field"
        detail = error.detail if isinstance(error, WireError) else type(error).__name__
        db.record_dead_letter(topic, payload, reason, detail, now)
        return None
