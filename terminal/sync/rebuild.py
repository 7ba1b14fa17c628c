"""Rebuild this terminal's cache from HQ (docs/protocol.md, `snapshot/req`).

Pages through HQ's snapshot of the cards this terminal's store has seen, then replaces the
cached members and cards with it in one transaction (terminal.store.members). A page HQ does not
answer in time abandons the rebuild and changes nothing: the next start tries again. The
journal and the outbox are never touched, so nothing unsent is lost.

A new store (a replaced SD card, a second terminal in a store) is rebuilt on its first
connection (SyncSettings.rebuild_when_new); the sync client's `start_rebuild` does it on
demand (the manager's settings screen).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from membership.member_records import MemberRecord
from protocol.wire import WireError
from protocol.wire_snapshot import (
    MAX_SNAPSHOT_PAGE,
    SnapshotPage,
    SnapshotRequest,
    parse_snapshot_page,
)
from terminal.store.cache import RebuildReport
from terminal.sync.directory import member_record
from terminal.sync.ports import HeldDocuments, RebuildStore

if TYPE_CHECKING:
    from terminal.sync.client import SyncClient

log = logging.getLogger("terminal.sync.rebuild")
MAX_PAGES = 10_000  # 500,000 cards: a bound on a misbehaving HQ, never reached by a store


def rebuild_from_hq(sync: SyncClient, store: RebuildStore,
                    page_size: int = MAX_SNAPSHOT_PAGE) -> RebuildReport | None:
    """Call from a worker thread. None when HQ could not be asked or stopped answering."""
    records: list[MemberRecord] = []
    after = ""
    changed_before = store.cards_changed_here()
    for _ in range(MAX_PAGES):
        page = _ask(sync, after, page_size)
        if page is None:
            return None
        records += [member_record(record, page.as_of) for record in page.records]
        if page.last:
            report = store.rebuild_from_directory(records, page.as_of, changed_before)
            log.info("rebuilt from HQ: %d cards, %d removed; documents still to come: %s",
                     report.cards_refreshed, report.cards_removed,
                     ", ".join(documents_behind(store, page.documents)) or "none")
            return report
        after = page.next_after
    log.warning("HQ's snapshot did not end after %d pages: nothing changed", MAX_PAGES)
    return None


def _ask(sync: SyncClient, after: str, page_size: int) -> SnapshotPage | None:
    request = SnapshotRequest(sync.settings.terminal_id, sync.settings.store_id, after, page_size)
    payload = sync.request("snapshot", request.to_bytes(), sync.settings.directory_timeout_s)
    if payload is None:
        log.warning("HQ did not answer a snapshot page: the rebuild is abandoned")
        return None
    try:
        return parse_snapshot_page(payload)
    except WireError as error:
        log.warning("ignored HQ's snapshot page: %s", error)
        return None


def documents_behind(store: HeldDocuments, wanted: Mapping[str, tuple[str, int]]) -> list[str]:
    """The documents HQ wants held that this store does not hold at that scope and version
    yet (their retained copies are on the way): `name scope vN` each."""
    held = store.applied_versions()
    return [f"{name} {scope} v{version}" for name, (scope, version) in sorted(wanted.items())
            if held.get(name, {}).get("scope") != scope
            or held.get(name, {}).get("version", 0) < version]
