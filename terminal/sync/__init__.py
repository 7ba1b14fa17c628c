"""The terminal's link to HQ: outbox relay, acknowledgements, resends, configuration, holds."""
