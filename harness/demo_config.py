"""The demo store's configuration (terminal/demo) as the fleet's terminals price with it and
as HQ published it: each document at version 1 of scope `all`, which the sales name and HQ
decides them again with (hq.ingest.redecide)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hq.config_push import next_document
from hq.db import HqDatabase
from hq.times import utc_now
from membership.config_documents import StoreConfiguration
from terminal.demo.documents import demo_documents
from terminal.demo.seed import DEMO_SCOPE, DEMO_VERSION


def demo_store_configuration() -> StoreConfiguration:
    """The demo documents decoded, with the versions HQ gives them (publish_demo_documents)."""
    documents = demo_documents()
    return StoreConfiguration.from_documents(
        documents, {name: (DEMO_SCOPE, DEMO_VERSION) for name in documents})


def publish_demo_documents(db: HqDatabase,
                           documents: Mapping[str, dict[str, Any]] | None = None) -> None:
    """Store the demo documents (or `documents`) as HQ's first versions of scope `all` (not
    sent: the terminals hold them already); a document HQ has already is left as it is."""
    rows = db.config_documents
    for name, body in (documents or demo_documents()).items():
        if not rows.select().where(rows.name == name).exists():
            next_document(db, name, DEMO_SCOPE, body, utc_now())
