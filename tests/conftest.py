"""Shared fixtures: a fake clock, the Xero emulator on a loopback port, settings pointing at it, and the daemon
app under `aiohttp_client`. Tests hand fakes in through the factory; nothing patches import paths."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import Any, Awaitable, Callable

import pytest
from aiohttp.test_utils import TestServer

from daemon.app import create_app
from daemon.core import logs
from daemon.core.settings import VARIABLES, Settings
from tests import databases
from tests.fakes.clock import FakeClock
from tests.support import Daemon, EmulatorHandle, settings_for
from xero_emulator import EMULATOR, EmulatorConfig
from xero_emulator import create_app as create_emulator

logs.configure("warning", json=False, cache=False)


@pytest.fixture
def log_lines():
    """Everything the daemon logs during the test (JSON lines, info and above): call it for the text so far."""
    out = io.StringIO()
    logs.configure("info", json=True, file=out, cache=False)
    yield out.getvalue
    logs.configure("warning", json=False, cache=False)


@pytest.fixture
def operator_env(monkeypatch, tmp_path):
    """A clean environment in an empty working directory (no developer's .env)."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture
def operator_shell(operator_env, settings):
    """The operator's clean shell, pointed at the test daemon's store and keys (`xero-syncd api-key ...`)."""
    operator_env.setenv("DATABASE_URL", settings.database_url)
    operator_env.setenv("SECRET_KEY", ",".join(settings.secret_key))
    return operator_env


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(orgs=2, auto_approve=True)


@pytest.fixture
async def emulator(emulator_config, clock) -> EmulatorHandle:
    """The emulator, refusing (HTTP 400) any request whose parameters or headers Xero's OpenAPI description does
    not declare: a request the spec refuses fails the test that made it, and is named at the end."""
    app = create_emulator(replace(emulator_config, strict_requests=True), clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    handle = EmulatorHandle(server, app[EMULATOR])
    yield handle
    await server.close()
    violations = [f"{v.method} {v.path} {v.query}: {v.problems}" for v in handle.state.violations]
    assert not violations, "requests Xero's spec refuses:\n" + "\n".join(violations[:10])


@pytest.fixture(scope="session")
def postgres_server() -> str:
    return databases.postgres_server()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    """Every test that uses the store runs on both backends: a fresh SQLite file, and a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/xero-syncd.db"
        return
    yield request.getfixturevalue("postgres_url")


@pytest.fixture
def postgres_url(postgres_server) -> str:
    """A fresh PostgreSQL schema, for tests about several processes sharing one store (PostgreSQL only)."""
    schema, url = databases.new_schema(postgres_server)
    yield url
    databases.drop_schema(postgres_server, schema)


@pytest.fixture
def settings(emulator, tmp_path, database_url) -> Settings:
    return settings_for(emulator, tmp_path, DATABASE_URL=database_url)


MakeDaemon = Callable[..., Awaitable[Daemon]]


@pytest.fixture
async def make_daemon(database_url, aiohttp_client, clock, settings) -> MakeDaemon:
    """Start a daemon (several in one test = restarts over the same database). The database is set up before the
    client, so it is torn down after every daemon has stopped."""

    async def make(*, settings_: Settings | None = None, **kwargs: Any) -> Daemon:
        app = create_app(settings_ or settings, clock=clock, **kwargs)
        client = await aiohttp_client(app)
        return Daemon(client, app, clock)

    return make


@pytest.fixture
async def daemon(make_daemon) -> Daemon:
    return await make_daemon()
