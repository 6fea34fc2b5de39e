"""The request gate: requests beyond the pool wait on the event loop, then get 503."""

from __future__ import annotations

import asyncio
import time

import pytest

from api.deps import ConnectionSlots, connection_slots
from api.problems import DatabaseBusy
from workflow.settings import Settings

SETTINGS = Settings(_env_file=None, db_retry_after_seconds=4)  # type: ignore[call-arg]


def test_a_request_past_the_pool_waits_then_gets_503_with_retry_after() -> None:
    slots = ConnectionSlots(1, 0.2)

    async def scenario() -> float:
        async with slots.slot(SETTINGS):
            started = time.monotonic()
            with pytest.raises(DatabaseBusy) as busy:
                async with slots.slot(SETTINGS):
                    pass
            assert busy.value.status == 503
            assert busy.value.headers == {"Retry-After": "4"}
            waited = time.monotonic() - started
        async with slots.slot(SETTINGS):  # released: the next one gets in at once
            pass
        return waited

    assert 0.15 <= asyncio.run(scenario()) < 2


def test_waiting_requests_get_in_as_slots_free_up() -> None:
    slots = ConnectionSlots(2, 5)
    inside = 0
    most = 0

    async def request() -> None:
        nonlocal inside, most
        async with slots.slot(SETTINGS):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    async def scenario() -> None:
        await asyncio.gather(*(request() for _ in range(20)))

    asyncio.run(scenario())
    assert most == 2


def test_on_sqlite_writers_take_turns_while_readers_share_the_pool() -> None:
    slots = ConnectionSlots(5, 5, one_writer=True)
    writers = readers = most_writers = most_readers = 0

    async def request(writes: bool) -> None:
        nonlocal writers, readers, most_writers, most_readers
        async with slots.slot(SETTINGS, writes=writes):
            if writes:
                writers += 1
                most_writers = max(most_writers, writers)
            else:
                readers += 1
                most_readers = max(most_readers, readers)
            await asyncio.sleep(0.01)
            if writes:
                writers -= 1
            else:
                readers -= 1

    async def scenario() -> None:
        await asyncio.gather(*(request(writes=n % 2 == 0) for n in range(20)))

    asyncio.run(scenario())
    assert most_writers == 1 and most_readers >= 2


def test_on_sqlite_writers_waiting_their_turn_hold_no_connection() -> None:
    """Readers keep the pool while writers queue for the one writer's turn."""
    slots = ConnectionSlots(3, 5, one_writer=True)
    reader_waits: list[float] = []

    async def writer() -> None:
        async with slots.slot(SETTINGS, writes=True):
            await asyncio.sleep(0.05)

    async def reader() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with slots.slot(SETTINGS):
            reader_waits.append(loop.time() - started)

    async def scenario() -> None:
        writers = [asyncio.create_task(writer()) for _ in range(6)]
        await asyncio.sleep(0.01)  # the writers queue first
        await asyncio.gather(*(reader() for _ in range(6)))
        await asyncio.gather(*writers)

    asyncio.run(scenario())
    # Six writers take 0.3 s in turn; readers must not wait behind them for a connection.
    assert max(reader_waits) < 0.1


def test_on_sqlite_the_writer_never_queues_behind_the_readers() -> None:
    """A writer's turn comes with its own connection: a long queue of readers holding the
    shared ones does not delay it."""
    slots = ConnectionSlots(3, 5, one_writer=True)
    writer_wait: list[float] = []

    async def reader() -> None:
        async with slots.slot(SETTINGS):
            await asyncio.sleep(0.05)

    async def writer() -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        async with slots.slot(SETTINGS, writes=True):
            writer_wait.append(loop.time() - started)

    async def scenario() -> None:
        readers = [asyncio.create_task(reader()) for _ in range(20)]
        await asyncio.sleep(0.01)  # twenty readers hold or queue for the shared connections
        await writer()
        await asyncio.gather(*readers)

    asyncio.run(scenario())
    # Twenty readers on two shared connections take 0.5 s; the writer goes straight in.
    assert writer_wait[0] < 0.05


def test_on_sqlite_readers_are_capped_by_the_setting() -> None:
    """The readers beside the writer are `sqlite_reader_slots`, not the whole pool: more
    reader threads only stretch the writer's turn (README "Under load")."""
    sqlite = Settings(_env_file=None, database_url="sqlite:///x.db", sqlite_reader_slots=3)  # type: ignore[call-arg]
    assert connection_slots(sqlite, scheduler=True).readers == 3
    assert (
        connection_slots(sqlite.model_copy(update={"db_max_overflow": 0}), scheduler=True).readers
        == 3
    )
    tiny = sqlite.model_copy(update={"db_pool_size": 2, "db_max_overflow": 0})
    assert connection_slots(tiny, scheduler=False).readers == 1  # the writer keeps its own
    postgres = sqlite.model_copy(update={"database_url": "postgresql+psycopg://h/db"})
    assert connection_slots(postgres, scheduler=True).readers == 14  # the whole pool
    slots = connection_slots(sqlite, scheduler=True)
    most = active = 0

    async def reader() -> None:
        nonlocal most, active
        async with slots.slot(sqlite):
            active += 1
            most = max(most, active)
            await asyncio.sleep(0.01)
            active -= 1

    async def scenario() -> None:
        await asyncio.gather(*(reader() for _ in range(20)))

    asyncio.run(scenario())
    assert most == 3
