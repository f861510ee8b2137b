"""Compressed answers: gzip when the client accepts it, plain JSON otherwise; a truncated gzip body stays broken."""

from __future__ import annotations

import gzip
import json

import aiohttp
import pytest

from xero_emulator import EmulatorConfig
from xero_emulator.compression import accepts_gzip


async def _raw(xero, session, path: str, accept: str | None) -> tuple[aiohttp.ClientResponse, bytes]:
    """GET `path` without inflating the body, with the given Accept-Encoding (None: the header left out)."""
    headers = {"Authorization": f"Bearer {session['access_token']}", "xero-tenant-id": xero.tenant_ids[0]}
    skip = ()
    if accept is None:
        skip = ("Accept-Encoding",)
    else:
        headers["Accept-Encoding"] = accept
    async with aiohttp.ClientSession(auto_decompress=False, skip_auto_headers=skip) as http:
        async with http.get(xero.client.make_url(path), headers=headers) as response:
            return response, await response.read()


def _records(body: bytes, key: str = "Invoices") -> list[dict]:
    return json.loads(body)[key]


async def test_a_gzip_accepting_client_gets_a_compressed_body(xero, session, emulator):
    response, body = await _raw(xero, session, "/api.xro/2.0/Invoices?pageSize=50", "gzip, deflate")
    assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
    assert int(response.headers["Content-Length"]) == len(body)
    plain = gzip.decompress(body)
    assert len(body) < len(plain) / 3
    assert _records(plain) == emulator.records(xero.tenant_ids[0], "Invoices")
    assert "Accept-Encoding" in response.headers["Vary"]


async def test_the_bytes_of_the_answers_are_counted_as_json_and_as_sent(xero, session, emulator):
    emulator.clear_calls()
    _, zipped = await _raw(xero, session, "/api.xro/2.0/Invoices?pageSize=50", "gzip")
    _, plain = await _raw(xero, session, "/api.xro/2.0/Invoices?pageSize=50", "identity")
    async with xero.client.get("/_control/wire") as response:
        wire = await response.json()
    assert wire == {"answers": 2, "json_bytes": 2 * len(plain), "sent_bytes": len(zipped) + len(plain)}
    emulator.clear_calls()
    assert emulator.wire == {"answers": 0, "json_bytes": 0, "sent_bytes": 0}


@pytest.mark.parametrize("accept", [None, "identity", "gzip;q=0", "br", "deflate;q=1, *;q=0"])
async def test_a_client_that_does_not_accept_gzip_gets_plain_json(xero, session, emulator, accept):
    response, body = await _raw(xero, session, "/api.xro/2.0/Invoices?pageSize=50", accept)
    assert response.status == 200 and "Content-Encoding" not in response.headers
    assert _records(body) == emulator.records(xero.tenant_ids[0], "Invoices")


async def test_connections_and_errors_are_compressed_too(xero, session):
    response, body = await _raw(xero, session, "/connections", "gzip")
    assert response.headers["Content-Encoding"] == "gzip" and len(json.loads(gzip.decompress(body))) == 2
    response, body = await _raw(xero, session, "/api.xro/2.0/Invoices?page=x", "*")
    assert response.status == 400 and "ValidationException" in gzip.decompress(body).decode()


async def test_the_default_client_inflates_it_transparently(xero, session, emulator):
    response = await xero.api("Contacts", session["access_token"], xero.tenant_ids[0])
    assert response.headers["Content-Encoding"] == "gzip"
    assert len((await response.json())["Contacts"]) == 19  # one of the 20 is archived


async def test_a_truncated_gzip_answer_is_still_broken(xero, session, emulator):
    emulator.inject_fault("truncated")
    response = await xero.api("Invoices", session["access_token"], xero.tenant_ids[0])
    assert response.status == 200 and response.headers["Content-Encoding"] == "gzip"
    with pytest.raises(aiohttp.ClientPayloadError):
        await response.read()


class TestSwitchedOff:
    @pytest.fixture
    def config(self) -> EmulatorConfig:
        return EmulatorConfig(gzip=False)

    async def test_never_compressed(self, xero, session):
        response, body = await _raw(xero, session, "/api.xro/2.0/Invoices", "gzip")
        assert "Content-Encoding" not in response.headers and _records(body)


def test_accept_encoding_negotiation():
    yes = ("gzip", "gzip, deflate, br", "deflate, gzip;q=0.5", "*", "br;q=1, *;q=0.1", "x-gzip", "GZIP")
    no = (None, "", "identity", "gzip;q=0", "gzip;q=0.0, *", "br", "*;q=0", "gzip;q=oops")
    assert [accepts_gzip(h) for h in yes] == [True] * len(yes)
    assert [accepts_gzip(h) for h in no] == [False] * len(no)
