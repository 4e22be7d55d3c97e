"""SQLite task store (aiosqlite): one file, one connection, WAL journal.

Each write is its own committed transaction, so whatever ``save`` returned from survives a killed
process (``synchronous=NORMAL`` in WAL mode loses nothing on a process crash; only a power cut
can drop the last commits). Tasks live in ``tasks`` with indexed columns, a JSON ``data``
document (see ``codec``) and, for finished tasks, a ready-to-send ``view`` (``use_view``);
``kv`` holds small key/value tables; ``notify_outbox`` and ``notify_delivered`` back
:class:`SqliteNotifyOutbox`. ``schema_version`` records which of ``MIGRATIONS`` ran.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import functools
import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Collection, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

import aiosqlite

from mjcore.models import Task, TaskAction, TaskStatus
from mjcore.store.base import (
    DEFAULT_PAGE_SIZE,
    UNFINISHED_STATUSES,
    NotifyOutbox,
    OutboxItem,
    StoredReads,
    StoreError,
    TaskStore,
    TaskView,
    check_page,
)
from mjcore.store.codec import task_from_json, task_to_row

log = logging.getLogger(__name__)

# SQLite's default limit on bound parameters is 32766; stay far below it.
MAX_IDS_PER_QUERY = 500

# Each migration is a list of statements run in one transaction; its version is its position + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE tasks (
            id TEXT PRIMARY KEY NOT NULL,
            status TEXT NOT NULL,
            action TEXT NOT NULL,
            account_id TEXT,
            submit_time INTEGER NOT NULL,
            data TEXT NOT NULL
        )""",
        "CREATE INDEX ix_tasks_submit_time ON tasks (submit_time, id)",
        "CREATE INDEX ix_tasks_status ON tasks (status, submit_time, id)",
        "CREATE INDEX ix_tasks_action ON tasks (action, submit_time, id)",
        "CREATE INDEX ix_tasks_account ON tasks (account_id, submit_time, id)",
        """CREATE TABLE kv (
            namespace TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (namespace, key)
        ) WITHOUT ROWID""",
        """CREATE TABLE notify_outbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            task_id TEXT NOT NULL,
            url TEXT NOT NULL,
            body TEXT NOT NULL,
            status_order REAL NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX ix_notify_outbox_task ON notify_outbox (task_id, id)",
        """CREATE TABLE notify_delivered (
            task_id TEXT PRIMARY KEY NOT NULL,
            status_order REAL NOT NULL,
            delivered_at REAL NOT NULL
        ) WITHOUT ROWID""",
        "CREATE INDEX ix_notify_delivered_at ON notify_delivered (delivered_at)",
    ),
    (
        # a finished task's view (``TaskView``) and the generation of the view's key it was
        # rendered under; NULL for older rows and for tasks without a view
        "ALTER TABLE tasks ADD COLUMN view_key INTEGER",
        "ALTER TABLE tasks ADD COLUMN view BLOB",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

# SQLite's own page cache per connection (its default is 2 MiB): keeps index pages of a large
# tasks table in memory between calls.
PAGE_CACHE_KIB = 32 * 1024
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA busy_timeout = 5000",
    f"PRAGMA cache_size = -{PAGE_CACHE_KIB}",
)

_TASK_COLUMNS = "id, status, action, account_id, submit_time, data, view_key, view"
_TASK_ROW = "(?, ?, ?, ?, ?, ?, ?, ?)"
_ON_TASK_CONFLICT = """
ON CONFLICT (id) DO UPDATE SET
    status = excluded.status,
    action = excluded.action,
    account_id = excluded.account_id,
    submit_time = excluded.submit_time,
    data = excluded.data,
    view_key = excluded.view_key,
    view = excluded.view
"""
# Rows a batch writes in one statement (a statement is its own transaction: one round trip);
# a larger batch is written by ``executemany`` inside an explicit transaction.
ROWS_PER_STATEMENT = 256
_NEWEST_FIRST = "ORDER BY submit_time DESC, id DESC"
# The document as its stored UTF-8 bytes: the JSON parser reads them without a decoded str between.
_DATA = "CAST(data AS BLOB)"
# The generations of view keys: key digest -> generation number (``use_view``).
_VIEW_KEYS = "task_view_keys"


def _marks(count: int) -> str:
    return ", ".join("?" * count)


@functools.cache
def _upsert_kv(count: int) -> str:
    """One statement writing ``count`` key/value rows (rows later in it win)."""
    rows = ", ".join(["(?, ?, ?)"] * count)
    return (
        f"INSERT INTO kv (namespace, key, value) VALUES {rows}"
        " ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value"
    )


@functools.cache
def _upsert_tasks(count: int) -> str:
    """One statement writing ``count`` task rows."""
    rows = ", ".join([_TASK_ROW] * count)
    return f"INSERT INTO tasks ({_TASK_COLUMNS}) VALUES {rows} {_ON_TASK_CONFLICT}"


def _chunks(ids: Sequence[str], size: int) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


class SqliteTaskStore(TaskStore):
    """``TaskStore`` in one file: ``async with SqliteTaskStore(path)`` or ``await .open(path)``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._outbox = SqliteNotifyOutbox(self)
        self._view: TaskView | None = None
        self._view_generation = 0

    @classmethod
    async def open(cls, path: str | Path) -> Self:
        store = cls(path)
        await store.connect()
        return store

    async def connect(self) -> None:
        if self._conn is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            await _migrate(conn, self.path)
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        log.debug("sqlite store open [path:%s]", self.path)

    async def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            await conn.execute("PRAGMA optimize")
        finally:
            await conn.close()
        log.debug("sqlite store closed [path:%s]", self.path)

    @property
    def db(self) -> aiosqlite.Connection:
        """The open connection (shared with the outbox)."""
        if self._conn is None:
            raise StoreError(f"sqlite store is not open [path:{self.path}]")
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run several writes as one transaction; writers on this store wait for it."""
        async with self._write_lock:
            db = self.db
            try:
                # inside the try: a cancelled await still runs its statement later
                await db.execute("BEGIN IMMEDIATE")
                yield db
            except BaseException:
                await _rollback(db)
                raise
            await db.execute("COMMIT")

    async def write(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement as its own transaction (one round trip to the database
        thread); returns the changed row count."""
        async with self._write_lock:
            db = self.db
            before = db.total_changes  # no other write runs while the lock is held
            await db.execute_fetchall(sql, params)
            return db.total_changes - before

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT as its own transaction; returns the new rowid."""
        async with self._write_lock:
            row = await self.db.execute_insert(sql, params)
        if row is None or row[0] is None:
            raise StoreError("insert returned no rowid")
        return int(row[0])

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> builtins.list[Any]:
        return builtins.list(await self.db.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row of a query that selects at most a few (one round trip)."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    # tasks

    async def save(self, task: Task) -> None:
        await self.write(_upsert_tasks(1), self._row(task))

    async def save_many(self, tasks: Sequence[Task]) -> None:
        """One transaction; one round trip to the database thread for up to
        ``ROWS_PER_STATEMENT`` tasks."""
        if not tasks:
            return
        rows = [self._row(task) for task in tasks]
        if len(rows) > ROWS_PER_STATEMENT:
            async with self.transaction() as db:
                await db.executemany(_upsert_tasks(1), rows)
            return
        await self.write(_upsert_tasks(len(rows)), [value for row in rows for value in row])

    def _row(self, task: Task) -> tuple[Any, ...]:
        rendered = None if self._view is None else self._view.render(task)
        generation = None if rendered is None else self._view_generation
        return (*task_to_row(task), generation, rendered)

    async def use_view(self, view: TaskView) -> None:
        """Number ``view.key`` (the same key keeps its number across restarts) and render every
        task saved from now on with it."""
        digest = hashlib.sha256(view.key.encode()).hexdigest()
        async with self.transaction() as db:
            async with db.execute(
                "SELECT value FROM kv WHERE namespace = ? AND key = ?", (_VIEW_KEYS, digest)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                async with db.execute(
                    "SELECT COALESCE(MAX(CAST(value AS INTEGER)), 0) + 1 FROM kv"
                    " WHERE namespace = ?",
                    (_VIEW_KEYS,),
                ) as cursor:
                    (generation,) = await cursor.fetchone() or (1,)
                await db.execute(
                    "INSERT INTO kv (namespace, key, value) VALUES (?, ?, ?)",
                    (_VIEW_KEYS, digest, str(generation)),
                )
            else:
                generation = int(row[0])
        self._view, self._view_generation = view, int(generation)
        log.debug("task view in use [path:%s generation:%d]", self.path, generation)

    async def get_views(self, ids: Sequence[str]) -> StoredReads:
        if self._view is None:
            return StoredReads({}, await self.get_documents(ids))
        views: dict[str, bytes] = {}
        documents: dict[str, bytes] = {}
        for chunk in _chunks(ids, MAX_IDS_PER_QUERY):
            rows = await self.fetchall(
                "SELECT id, view_key IS ?, CASE WHEN view_key IS ? THEN view ELSE"
                f" {_DATA} END FROM tasks WHERE id IN ({_marks(len(chunk))})",
                (self._view_generation, self._view_generation, *chunk),
            )
            for task_id, is_view, content in rows:
                (views if is_view else documents)[task_id] = content
        return StoredReads(views, documents)

    async def get(self, task_id: str) -> Task | None:
        row = await self.fetchone(f"SELECT {_DATA} FROM tasks WHERE id = ?", (task_id,))
        return None if row is None else task_from_json(row[0])

    async def get_many(self, ids: Sequence[str]) -> builtins.list[Task]:
        found: dict[str, Task] = {}
        for chunk in _chunks(ids, MAX_IDS_PER_QUERY):
            rows = await self.fetchall(
                f"SELECT {_DATA} FROM tasks WHERE id IN ({_marks(len(chunk))})", chunk
            )
            for (data,) in rows:
                task = task_from_json(data)
                found[task.id] = task
        return [found[i] for i in ids if i in found]

    async def get_documents(self, ids: Sequence[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for chunk in _chunks(ids, MAX_IDS_PER_QUERY):
            rows = await self.fetchall(
                f"SELECT id, {_DATA} FROM tasks WHERE id IN ({_marks(len(chunk))})",
                chunk,
            )
            found.update(rows)
        return found

    async def list(
        self,
        *,
        limit: int = DEFAULT_PAGE_SIZE,
        offset: int = 0,
        statuses: Collection[TaskStatus] | None = None,
        actions: Collection[TaskAction] | None = None,
        account_id: str | None = None,
    ) -> builtins.list[Task]:
        check_page(limit, offset)
        status_values = (
            None if statuses is None else sorted({TaskStatus(s).value for s in statuses})
        )
        action_values = None if actions is None else sorted({TaskAction(a).value for a in actions})
        if limit == 0 or status_values == [] or action_values == []:
            return []
        sql, params = page_ids_query(limit, offset, status_values, action_values, account_id)
        ids = [row[0] for row in await self.fetchall(sql, params)]
        return await self.get_many(ids)

    async def count(self, *, statuses: Collection[TaskStatus] | None = None) -> int:
        if statuses is None:
            row = await self.fetchone("SELECT COUNT(*) FROM tasks")
        else:
            values = sorted({TaskStatus(s).value for s in statuses})
            if not values:
                return 0
            row = await self.fetchone(
                f"SELECT COUNT(*) FROM tasks WHERE status IN ({_marks(len(values))})", values
            )
        return int(row[0])

    async def unfinished(self) -> builtins.list[Task]:
        values = sorted(s.value for s in UNFINISHED_STATUSES)
        rows = await self.fetchall(
            # without the hint the planner walks the whole submit_time index to avoid a sort
            f"SELECT {_DATA} FROM tasks INDEXED BY ix_tasks_status"
            f" WHERE status IN ({_marks(len(values))}) ORDER BY submit_time, id",
            values,
        )
        return [task_from_json(data) for (data,) in rows]

    async def delete(self, task_id: str) -> bool:
        return await self.write("DELETE FROM tasks WHERE id = ?", (task_id,)) > 0

    # key/value

    async def kv_put(self, namespace: str, key: str, value: str) -> None:
        await self.write(_upsert_kv(1), (namespace, key, value))

    async def kv_put_many(self, namespace: str, items: Sequence[tuple[str, str]]) -> None:
        """One round trip per ``ROWS_PER_STATEMENT`` keys."""
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start : start + ROWS_PER_STATEMENT]
            params = [field for key, value in chunk for field in (namespace, key, value)]
            await self.write(_upsert_kv(len(chunk)), params)

    async def kv_get(self, namespace: str, key: str) -> str | None:
        row = await self.fetchone(
            "SELECT value FROM kv WHERE namespace = ? AND key = ?", (namespace, key)
        )
        return None if row is None else str(row[0])

    async def kv_delete(self, namespace: str, key: str) -> None:
        await self.write("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key))

    async def kv_items(self, namespace: str) -> builtins.list[tuple[str, str]]:
        rows = await self.fetchall(
            "SELECT key, value FROM kv WHERE namespace = ? ORDER BY key", (namespace,)
        )
        return [(str(key), str(value)) for key, value in rows]

    def outbox(self) -> NotifyOutbox:
        return self._outbox


def page_ids_query(
    limit: int,
    offset: int,
    statuses: Sequence[str] | None,
    actions: Sequence[str] | None,
    account_id: str | None,
) -> tuple[str, builtins.list[Any]]:
    """SQL selecting the ids of one ``list`` page, newest first.

    A multi-value filter becomes one index-ordered branch per value (each limited to
    ``offset + limit`` rows) merged by an outer sort, so a page never sorts the whole table.
    """
    driver: str | None = None
    values: Sequence[str | None] = ()
    residual: builtins.list[str] = []
    residual_params: builtins.list[Any] = []
    if account_id is not None:
        driver, values = "account_id", (account_id,)
    if statuses is not None:
        if driver is None:
            driver, values = "status", statuses
        else:
            residual.append(f"status IN ({_marks(len(statuses))})")
            residual_params.extend(statuses)
    if actions is not None:
        if driver is None:
            driver, values = "action", actions
        else:
            residual.append(f"action IN ({_marks(len(actions))})")
            residual_params.extend(actions)

    if driver is None:
        return f"SELECT id FROM tasks {_NEWEST_FIRST} LIMIT ? OFFSET ?", [limit, offset]

    where = " AND ".join([f"{driver} = ?", *residual])
    if len(values) == 1:
        sql = f"SELECT id FROM tasks WHERE {where} {_NEWEST_FIRST} LIMIT ? OFFSET ?"
        return sql, [values[0], *residual_params, limit, offset]

    branch = (
        f"SELECT * FROM (SELECT id, submit_time FROM tasks WHERE {where} {_NEWEST_FIRST} LIMIT ?)"
    )
    sql = (
        f"SELECT id FROM ({' UNION ALL '.join([branch] * len(values))})"
        f" {_NEWEST_FIRST} LIMIT ? OFFSET ?"
    )
    params: builtins.list[Any] = []
    for value in values:
        params.extend([value, *residual_params, offset + limit])
    params.extend([limit, offset])
    return sql, params


async def _migrate(conn: aiosqlite.Connection, path: Path) -> None:
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        " id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
    )
    for version, statements in enumerate(MIGRATIONS, start=1):
        try:
            await conn.execute("BEGIN IMMEDIATE")
            current = await _schema_version(conn)
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"database schema {current} is newer than this version knows "
                    f"({SCHEMA_VERSION}) [path:{path}]"
                )
            if current < version:
                for statement in statements:
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (id, version) VALUES (1, ?)"
                    " ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (version,),
                )
                log.info("sqlite schema migrated [path:%s version:%d]", path, version)
        except BaseException:
            await _rollback(conn)
            raise
        await conn.execute("COMMIT")


async def _rollback(conn: aiosqlite.Connection) -> None:
    """Roll back the open transaction, if ``BEGIN`` got that far."""
    with contextlib.suppress(sqlite3.OperationalError):
        await conn.execute("ROLLBACK")


async def _schema_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("SELECT version FROM schema_version WHERE id = 1") as cursor:
        row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


_OUTBOX_COLUMNS = "id, task_id, url, body, status_order, attempts, next_attempt_at, created_at"
_HEADS = "id IN (SELECT MIN(id) FROM notify_outbox GROUP BY task_id)"


def _item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=int(row[0]),
        task_id=str(row[1]),
        url=str(row[2]),
        body=str(row[3]),
        status_order=float(row[4]),
        attempts=int(row[5]),
        next_attempt_at=float(row[6]),
        created_at=float(row[7]),
    )


def _not_in(exclude: Collection[str]) -> tuple[str, builtins.list[str]]:
    if not exclude:
        return "", []
    return f" AND task_id NOT IN ({_marks(len(exclude))})", builtins.list(exclude)


class SqliteNotifyOutbox:
    """``NotifyOutbox`` in the tables of a :class:`SqliteTaskStore` (same connection)."""

    def __init__(self, store: SqliteTaskStore) -> None:
        self._store = store

    async def add(
        self, task_id: str, url: str, body: str, status_order: float, *, now: float
    ) -> int:
        return await self._store.insert(
            "INSERT INTO notify_outbox"
            " (task_id, url, body, status_order, attempts, next_attempt_at, created_at)"
            " VALUES (?, ?, ?, ?, 0, ?, ?)",
            (task_id, url, body, status_order, now, now),
        )

    async def due(
        self, now: float, *, limit: int, exclude: Collection[str] = ()
    ) -> list[OutboxItem]:
        not_in, params = _not_in(exclude)
        rows = await self._store.fetchall(
            f"SELECT {_OUTBOX_COLUMNS} FROM notify_outbox"
            f" WHERE {_HEADS} AND next_attempt_at <= ?{not_in}"
            " ORDER BY next_attempt_at, id LIMIT ?",
            [now, *params, limit],
        )
        return [_item(row) for row in rows]

    async def next_due(self, *, exclude: Collection[str] = ()) -> float | None:
        not_in, params = _not_in(exclude)
        row = await self._store.fetchone(
            f"SELECT MIN(next_attempt_at) FROM notify_outbox WHERE {_HEADS}{not_in}", params
        )
        return None if row is None or row[0] is None else float(row[0])

    async def reschedule(self, item_id: int, *, attempts: int, next_attempt_at: float) -> None:
        await self._store.write(
            "UPDATE notify_outbox SET attempts = ?, next_attempt_at = ? WHERE id = ?",
            (attempts, next_attempt_at, item_id),
        )

    async def remove(self, item_id: int) -> None:
        await self._store.write("DELETE FROM notify_outbox WHERE id = ?", (item_id,))

    async def mark_delivered(self, item: OutboxItem, *, now: float) -> None:
        async with self._store.transaction() as db:
            await db.execute(
                "INSERT INTO notify_delivered (task_id, status_order, delivered_at)"
                " VALUES (?, ?, ?) ON CONFLICT (task_id) DO UPDATE SET"
                " status_order = MAX(status_order, excluded.status_order),"
                " delivered_at = excluded.delivered_at",
                (item.task_id, item.status_order, now),
            )
            await db.execute("DELETE FROM notify_outbox WHERE id = ?", (item.id,))

    async def last_delivered_order(self, task_id: str) -> float | None:
        row = await self._store.fetchone(
            "SELECT status_order FROM notify_delivered WHERE task_id = ?", (task_id,)
        )
        return None if row is None else float(row[0])

    async def forget_delivered(self, before: float) -> int:
        return await self._store.write(
            "DELETE FROM notify_delivered WHERE delivered_at < ?", (before,)
        )

    async def pending_count(self) -> int:
        row = await self._store.fetchone("SELECT COUNT(*) FROM notify_outbox")
        return int(row[0])

    async def pending(self, task_id: str | None = None) -> list[OutboxItem]:
        if task_id is None:
            rows = await self._store.fetchall(
                f"SELECT {_OUTBOX_COLUMNS} FROM notify_outbox ORDER BY id"
            )
        else:
            rows = await self._store.fetchall(
                f"SELECT {_OUTBOX_COLUMNS} FROM notify_outbox WHERE task_id = ? ORDER BY id",
                (task_id,),
            )
        return [_item(row) for row in rows]
