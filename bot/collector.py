"""Garbage-collector policy of the long-running ``mjbridge`` process.

A full collection walks every tracked object and stops the event loop while it runs: with the
app, the engine and their connections in view, one took 20-40 ms on a 2-core machine, long enough
to delay every running request. What lives as long as the process is frozen out of its sight,
and full collections run ten times less often than CPython's default. Young collections (most
garbage dies young) run as usual.
"""

from __future__ import annotations

import gc

FULL_COLLECTION_EVERY = 100  # middle-generation collections between two full ones (default 10)


def freeze_imported_objects() -> None:
    """Move everything the imports made out of the garbage collector's sight."""
    gc.collect()
    gc.freeze()


def freeze_startup_objects() -> None:
    """Once serving: freeze what startup made (app, engine, clients) and space full collections."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, FULL_COLLECTION_EVERY)
