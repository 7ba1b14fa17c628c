"""Why a terminal's message cannot be stored: the dead letter's reason and detail for what the
parsers raise on a hostile payload."""

from __future__ import annotations

from dataclasses import dataclass

from protocol.wire import WireError

# What protocol.wire's parsers may raise on a hostile payload besides WireError; caught
# as a last line of defence so a parser gap cannot crash or block the ingest. (json.loads
# raises RecursionError on a few thousand nested brackets, well inside the size limit.)
PARSER_ERRORS = (WireError, TypeError, AttributeError, KeyError, ValueError, RecursionError,
                 OverflowError)


@dataclass(frozen=True)
class Refusal:
    """Why a batch cannot be stored: its dead letter's reason and detail."""
    reason: str
    detail: str

    @classmethod
    def of(cls, error: Exception) -> Refusal:
        if isinstance(error, WireError):
            return cls(error.reason, error.detail)
        reason = "malformed_json" if isinstance(error, RecursionError) else "invalid_field"
        return cls(reason, f"{type(error).__name__}: {error}"[:500])
