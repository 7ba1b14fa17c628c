"""HQ's decoded configurations by the versions a sale names (hq.ingest.published): read once,
decoded once, never remembered as missing, right when its memory is full. Real SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest

from harness.demo_config import publish_demo_documents
from hq.config_push import next_document
from hq.db import HqDatabase
from hq.ingest.published import ConfigUnknown, PublishedConfigurations, config_key
from hq.times import utc_now
from membership.config_documents import CARD_TYPES, CATALOGUE
from terminal.demo.documents import demo_documents

ALL_V1 = config_key({CATALOGUE: ("all", 1), CARD_TYPES: ("all", 1)})
CATALOGUE_V2 = config_key({CATALOGUE: ("all", 2), CARD_TYPES: ("all", 1)})


def test_the_versions_named_make_the_configuration_and_an_unpublished_one_does_not(
        hq: HqDatabase) -> None:
    publish_demo_documents(hq)
    published = PublishedConfigurations()
    bodies = published.load(hq, [ALL_V1, CATALOGUE_V2])
    configuration = published.configuration(ALL_V1, bodies)
    assert "LATTE" in configuration.products and "GOLD" in configuration.card_types
    assert configuration.versions == {CATALOGUE: ("all", 1), CARD_TYPES: ("all", 1)}
    with pytest.raises(ConfigUnknown, match="config_version_unknown:catalogue"):
        published.configuration(CATALOGUE_V2, bodies)
    # Published since: found at the next batch, not remembered as missing.
    next_document(hq, CATALOGUE, "all", demo_documents()[CATALOGUE], utc_now())
    bodies = published.load(hq, [CATALOGUE_V2])
    assert published.configuration(CATALOGUE_V2, bodies).versions[CATALOGUE] == ("all", 2)
    # Decoded once: the next batch needs no body.
    assert published.load(hq, [ALL_V1, CATALOGUE_V2]) == {}


def test_a_full_memory_still_gives_the_batch_every_body_it_named(hq: HqDatabase) -> None:
    publish_demo_documents(hq)
    published = PublishedConfigurations(most_bodies=1)
    bodies = published.load(hq, [ALL_V1])
    assert len(bodies) == 2  # two bodies, one kept
    assert "LATTE" in published.configuration(ALL_V1, bodies).products
