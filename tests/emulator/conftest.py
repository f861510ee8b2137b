"""Fixtures for the emulator's own tests: a FakeClock, the emulator app under a test client, and a harness."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from aiohttp import encode_basic_auth
from yarl import URL

from tests.fakes.clock import FakeClock
from xero_emulator import EMULATOR, EmulatorConfig, create_app
from xero_emulator.grants import pkce_challenge

REDIRECT = "http://127.0.0.1:8080/oauth/callback"
SCOPES = ("openid profile email offline_access accounting.contacts.read accounting.invoices.read "
          "accounting.payments.read accounting.settings.read accounting.banktransactions.read "
          "accounting.manualjournals.read accounting.journals.read")


class Harness:
    """Drives the emulator like the daemon would: consent, token exchange, API calls."""

    def __init__(self, client, emulator, clock: FakeClock) -> None:
        self.client, self.emulator, self.clock = client, emulator, clock
        self.config = emulator.config

    @property
    def tenant_ids(self) -> list[str]:
        return [t.tenant_id for t in self.emulator.tenants]

    def authorize_params(self, verifier: str, **overrides: str) -> dict[str, str]:
        params = {"response_type": "code", "client_id": self.config.client_id, "redirect_uri": REDIRECT,
                  "scope": SCOPES, "state": "state-1", "code_challenge": pkce_challenge(verifier),
                  "code_challenge_method": "S256"}
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    async def authorize(self, verifier: str | None = None, **overrides: str) -> tuple[str, str]:
        """Run the (auto-approved) consent; the code and the PKCE verifier used."""
        verifier = verifier or secrets.token_urlsafe(48)
        self.emulator.auto_approve = True
        response = await self.client.get("/identity/connect/authorize",
                                          params=self.authorize_params(verifier, **overrides),
                                          allow_redirects=False)
        assert response.status == 302, await response.text()
        query = URL(response.headers["Location"]).query
        assert query["state"] == overrides.get("state", "state-1")
        return query["code"], verifier

    def basic(self, client_id: str | None = None, secret: str | None = None) -> dict[str, str]:
        return {"Authorization": encode_basic_auth(client_id or self.config.client_id,
                                                   self.config.client_secret if secret is None else secret)}

    async def token(self, form: dict[str, str], *, headers: dict[str, str] | None = None):
        """POST the token endpoint (client credentials by Basic auth unless `headers` says otherwise)."""
        response = await self.client.post("/connect/token", data=form,
                                          headers=self.basic() if headers is None else headers)
        return response.status, await response.json()

    async def connect(self, **overrides: str) -> dict:
        code, verifier = await self.authorize(**overrides)
        status, body = await self.token({"grant_type": "authorization_code", "code": code,
                                         "redirect_uri": REDIRECT, "code_verifier": verifier})
        assert status == 200, body
        return body

    async def refresh(self, refresh_token: str):
        return await self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})

    async def api(self, entity: str, token: str, tenant_id: str | None = None, *, params=None, headers=None):
        all_headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if tenant_id is not None:
            all_headers["xero-tenant-id"] = tenant_id
        all_headers.update(headers or {})
        return await self.client.get(f"/api.xro/2.0/{entity}", params=params or {}, headers=all_headers)

    async def api_json(self, entity: str, token: str, tenant_id: str, **kwargs) -> dict:
        response = await self.api(entity, token, tenant_id, **kwargs)
        assert response.status == 200, await response.text()
        return await response.json()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig()


@pytest.fixture
def app(config, clock):
    return create_app(config, clock=clock)


@pytest.fixture
def emulator(app):
    return app[EMULATOR]


@pytest.fixture
async def xero(aiohttp_client, app, clock) -> Harness:
    client = await aiohttp_client(app)
    return Harness(client, app[EMULATOR], clock)


@pytest.fixture
async def session(xero) -> dict:
    """A connected grant (all orgs): the token answer."""
    return await xero.connect()


# --- Xero's OpenAPI descriptions (a copy of ../shared/xero-openapi, see xero-openapi/SOURCE.md) -------------------
SPEC_DIR = __import__("pathlib").Path(__file__).with_name("xero-openapi")


class SpecValidator:
    """Validates instances against a component schema of one of Xero's OpenAPI files, `$ref`s resolved."""

    def __init__(self, filename: str) -> None:
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(SPEC_DIR / filename, encoding="utf-8") as handle:
            self.document = yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader
        self.openapi = str(self.document.get("openapi", "3.0"))

    def errors(self, schema_name: str, instance: object) -> list[str]:
        import jsonschema

        try:  # the OpenAPI 3.0 dialect when available; the spec uses no `nullable`, so Draft 4 is equivalent
            from openapi_schema_validator import OAS30ReadValidator
        except ImportError:
            OAS30ReadValidator = jsonschema.Draft4Validator  # noqa: N806

        schema = {"components": self.document["components"], "$ref": f"#/components/schemas/{schema_name}"}
        checker = jsonschema.FormatChecker(formats=["uuid"])
        if self.openapi.startswith("3.1"):
            validator = jsonschema.Draft202012Validator(schema, format_checker=checker)
        else:
            validator = OAS30ReadValidator(schema, format_checker=checker)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]

    def check(self, schema_name: str, instance: object) -> None:
        problems = self.errors(schema_name, instance)
        assert not problems, "\n".join(problems[:20])


@pytest.fixture(scope="session")
def accounting_spec() -> SpecValidator:
    return SpecValidator("xero_accounting.yaml")


@pytest.fixture(scope="session")
def identity_spec() -> SpecValidator:
    return SpecValidator("xero-identity.yaml")


@pytest.fixture(scope="session")
def webhooks_spec() -> SpecValidator:
    return SpecValidator("xero-webhooks.yaml")
