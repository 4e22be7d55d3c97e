"""Garbage-collector policy of the long-running ``mjbridge`` process.

A full collection walks every tracked object and stops the event loop while it runs: with the
app, the engine and their connections in view, one took 20-40 ms on a 2-core machine, long enough
to delay every running request. What lives as long as the process (imported modules, then the
app, engine and clients made at startup) is frozen out of its sight, which halves that pause.
Collection thresholds stay CPython's: spacing full collections further apart made requests that
build many objects (a 100-task list) about 50 % slower.
"""

from __future__ import annotations

import gc


def freeze_imported_objects() -> None:
    """Move everything the imports made out of the garbage collector's sight."""
    gc.collect()
    gc.freeze()


def freeze_startup_objects() -> None:
    """Once serving: freeze what startup made (app, engine, clients)."""
    gc.collect()
    gc.freeze()
