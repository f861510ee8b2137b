"""Requests checked against the parameters Xero's OpenAPI description declares: refused (400) when strict, kept
in `emulator.violations` either way."""

from __future__ import annotations

import pytest

from xero_emulator import EmulatorConfig
from xero_emulator.request_check import declared, problems
from xero_emulator.spec_params import derive
from xero_emulator.spec_params_data import PARAMS

from .conftest import SPEC_DIR

NO_OFFSET = "2016-05-12T20:37:24"


@pytest.fixture
def config() -> EmulatorConfig:
    return EmulatorConfig(strict_requests=True)


async def _refused(xero, session, entity: str, accounting_spec, params=None, headers=None) -> list[str]:
    response = await xero.api(entity, session["access_token"], xero.tenant_ids[0], params=params, headers=headers)
    assert response.status == 400, await response.text()
    body = await response.json()
    accounting_spec.check("Error", body)
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    return [e["Message"] for element in body["Elements"] for e in element["ValidationErrors"]]


async def test_if_modified_since_needs_an_offset(xero, session, emulator, accounting_spec):
    messages = await _refused(xero, session, "Invoices", accounting_spec, headers={"If-Modified-Since": NO_OFFSET})
    assert len(messages) == 1 and messages[0].startswith("If-Modified-Since (header)")
    violation = emulator.violations[-1]
    assert violation.refused and violation.path == "/api.xro/2.0/Invoices" and violation.problems == messages
    assert emulator.calls[-1].status == 400
    for good in ("2016-05-12T20:37:24Z", "2016-05-12T20:37:24+00:00", "2016-05-12T20:37:24.120-08:00"):
        response = await xero.api("Invoices", session["access_token"], xero.tenant_ids[0],
                                  headers={"If-Modified-Since": good})
        assert response.status == 200, good
    assert len(emulator.violations) == 1


@pytest.mark.parametrize(("entity", "params"), [
    ("Invoices", {"page": "two"}),
    ("Invoices", {"PAGE": "-x"}),
    ("Invoices", {"pageSize": "1e3"}),
    ("BankTransactions", {"unitdp": "four"}),
    ("Contacts", {"includeArchived": "maybe"}),
    ("Invoices", {"IDs": "00000000-0000-4000-8000-000000000000,not-a-uuid"}),
    ("Quotes", {"DateFrom": "2026-13-01"}),
    ("PurchaseOrders", {"Status": "WON"}),
    ("Journals", {"offset": "ten"}),
    ("Journals", {"paymentsOnly": "yes"}),
])
async def test_parameters_of_the_wrong_type_are_refused(xero, session, accounting_spec, entity, params):
    messages = await _refused(xero, session, entity, accounting_spec, params=params)
    assert len(messages) == 1 and next(iter(params)).lower() in messages[0].lower()


async def test_what_the_spec_does_not_declare_is_ignored(xero, session, emulator):
    token, tenant = session["access_token"], xero.tenant_ids[0]
    for entity, params in (("Invoices", {"page": "2", "foo": "bar", "unitdp": "4"}),
                           ("Quotes", {"pageSize": "whatever"}), ("Journals", {"offset": "3", "order": "x"})):
        response = await xero.api(entity, token, tenant, params=params, headers={"X-Custom": "1"})
        assert response.status == 200, (entity, await response.text())
    assert list(emulator.violations) == []


async def test_http_control_lists_and_clears_violations(xero, session):
    await xero.api("Invoices", session["access_token"], xero.tenant_ids[0], params={"page": "x"})
    listed = await (await xero.client.get("/_control/violations")).json()
    assert listed[0]["query"] == {"page": "x"} and listed[0]["refused"] is True
    await xero.client.delete("/_control/violations")
    assert await (await xero.client.get("/_control/violations")).json() == []


class TestNotStrict:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        return EmulatorConfig()

    async def test_violations_are_kept_but_answered(self, xero, session, emulator):
        token, tenant = session["access_token"], xero.tenant_ids[0]
        contacts = emulator.records(tenant, "Contacts")
        for header in ("2025-01-01T00:00:00", "2025-01-01T00:00:00Z"):  # both read as UTC
            body = await xero.api_json("Contacts", token, tenant, params={"includeArchived": "true"},
                                       headers={"If-Modified-Since": header})
            assert body["pagination"]["itemCount"] == len(contacts)
        assert len(emulator.violations) == 1 and not emulator.violations[0].refused

    async def test_a_bad_page_is_still_a_400(self, xero, session):
        response = await xero.api("Invoices", session["access_token"], xero.tenant_ids[0], params={"page": "x"})
        assert response.status == 400


def test_the_declared_parameters_are_the_specs():
    yaml = pytest.importorskip("yaml")
    with open(SPEC_DIR / "xero_accounting.yaml", encoding="utf-8") as handle:
        document = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    assert derive(document) == PARAMS


def test_date_time_means_rfc_3339_with_an_offset():
    params = declared("Accounts", single=False)
    ok = ("2016-05-12T20:37:24Z", "2016-05-12t20:37:24z", "2016-05-12T20:37:24.5+13:00")
    bad = (NO_OFFSET, "2016-05-12", "2016-05-12 20:37:24Z", "2016-02-30T00:00:00Z", "Thu, 12 May 2016 20:37:24 GMT")
    tenant = {"xero-tenant-id": "t"}
    assert [problems(params, {}, {**tenant, "If-Modified-Since": v}) == [] for v in ok] == [True] * 3
    assert [problems(params, {}, {**tenant, "If-Modified-Since": v}) == [] for v in bad] == [False] * 5
    assert problems(params, {}, {}) == ["xero-tenant-id (header) is required"]
