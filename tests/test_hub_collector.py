"""A serving process sets its garbage collector once start-up is done (hub/core/collector.py): what start-up
built is frozen out of the collector's sight, young objects are collected less often, and cycles made after
are still collected."""

from __future__ import annotations

import gc
import weakref

import pytest

from hub.core.collector import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector():
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


def test_start_up_objects_are_frozen_and_young_collections_come_less_often(restored_collector):
    built_at_start = _Node()
    before = gc.get_threshold()
    settle_heap()
    assert gc.get_freeze_count() > 0
    assert not any(o is built_at_start for o in gc.get_objects())  # no collection walks it again
    assert gc.get_threshold() == (YOUNG_THRESHOLD, *before[1:])


def test_a_cycle_made_while_serving_is_still_collected(restored_collector):
    settle_heap()
    node = _Node()
    gone = weakref.ref(node)
    del node
    gc.collect()
    assert gone() is None
