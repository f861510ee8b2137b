"""OAuth 2 with PKCE as Xero does it: codes, rotating refresh tokens, expiry, revocation, consent."""

from __future__ import annotations

import base64
import json

from yarl import URL

REDIRECT = "http://127.0.0.1:8080/oauth/callback"  # the harness's redirect_uri


def claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def code_form(code: str, verifier: str, redirect_uri: str = REDIRECT) -> dict:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": verifier}


async def test_code_exchange_gives_xero_shaped_tokens(xero, clock):
    code, verifier = await xero.authorize()
    status, body = await xero.token(code_form(code, verifier))
    assert status == 200
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    assert {"access_token", "refresh_token", "id_token", "scope"} <= body.keys()
    access = claims(body["access_token"])
    assert access["exp"] - access["nbf"] == 1800 and access["nbf"] == int(clock.time())
    assert access["client_id"] == xero.config.client_id
    assert "offline_access" in access["scope"] and isinstance(access["scope"], list)
    assert access["authentication_event_id"] and access["xero_userid"] and access["sub"]
    assert claims(body["id_token"])["aud"] == xero.config.client_id


async def test_wrong_pkce_verifier_is_invalid_grant(xero):
    code, _ = await xero.authorize()
    assert await xero.token(code_form(code, "not-the-verifier")) == (400, {"error": "invalid_grant"})


async def test_wrong_redirect_uri_is_invalid_grant(xero):
    code, verifier = await xero.authorize()
    status, body = await xero.token(code_form(code, verifier, "http://127.0.0.1:9/elsewhere"))
    assert (status, body) == (400, {"error": "invalid_grant"})


async def test_bad_client_secret_is_invalid_client(xero):
    code, verifier = await xero.authorize()
    status, body = await xero.token(code_form(code, verifier), headers=xero.basic(secret="wrong"))
    assert (status, body) == (401, {"error": "invalid_client"})


async def test_client_credentials_in_the_body_are_accepted(xero):
    code, verifier = await xero.authorize()
    form = {**code_form(code, verifier), "client_id": xero.config.client_id,
            "client_secret": xero.config.client_secret}
    status, _ = await xero.token(form, headers={})
    assert status == 200


async def test_code_is_single_use_and_lives_five_minutes(xero, clock):
    code, verifier = await xero.authorize()
    assert (await xero.token(code_form(code, verifier)))[0] == 200
    assert await xero.token(code_form(code, verifier)) == (400, {"error": "invalid_grant"})
    late_code, late_verifier = await xero.authorize()
    await clock.advance(301)
    assert (await xero.token(code_form(late_code, late_verifier)))[0] == 400


async def test_without_offline_access_or_openid_there_is_no_refresh_or_id_token(xero):
    body = await xero.connect(scope="accounting.invoices.read")
    assert "refresh_token" not in body and "id_token" not in body


async def test_refresh_rotates_and_old_token_has_a_grace_period(xero, session, clock):
    first = session["refresh_token"]
    status, second = await xero.refresh(first)
    assert status == 200 and second["refresh_token"] != first
    await clock.advance(1700)
    status, again = await xero.refresh(first)  # within 30 minutes of its rotation
    assert status == 200 and again["refresh_token"] == second["refresh_token"]
    await clock.advance(101)
    assert await xero.refresh(first) == (400, {"error": "invalid_grant"})
    status, third = await xero.refresh(second["refresh_token"])
    assert status == 200 and third["refresh_token"] not in (first, second["refresh_token"])


async def test_unused_refresh_token_dies_after_60_days(xero, session, clock):
    await clock.advance(60 * 86400 + 1)
    assert await xero.refresh(session["refresh_token"]) == (400, {"error": "invalid_grant"})


async def test_access_token_expires_after_30_minutes(xero, session, clock):
    tenant = xero.tenant_ids[0]
    assert (await xero.api("Organisation", session["access_token"], tenant)).status == 200
    await clock.advance(1801)
    response = await xero.api("Organisation", session["access_token"], tenant)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    body = await response.json()
    assert body["Title"] == "Unauthorized" and body["Status"] == 401 and body["Type"] is None
    assert body["Detail"] == "TokenExpired: token expired at 11/24/2026 09:30:00"
    assert body["Extensions"] == {} and body["Instance"]
    status, fresh = await xero.refresh(session["refresh_token"])
    assert status == 200
    assert (await xero.api("Organisation", fresh["access_token"], tenant)).status == 200


async def test_revocation_kills_the_grant_and_its_connections(xero, session):
    response = await xero.client.post("/connect/revocation", data={"token": session["refresh_token"]},
                                      headers=xero.basic())
    assert response.status == 200
    assert await xero.refresh(session["refresh_token"]) == (400, {"error": "invalid_grant"})
    assert (await xero.api("Organisation", session["access_token"], xero.tenant_ids[0])).status == 401
    assert xero.emulator.connections.list() == []


async def test_revocation_needs_the_client(xero, session):
    response = await xero.client.post("/connect/revocation", data={"token": session["refresh_token"]},
                                      headers=xero.basic(secret="nope"))
    assert response.status == 401


async def test_connections_filter_by_auth_event_and_delete(xero, session):
    bearer = {"Authorization": f"Bearer {session['access_token']}"}
    xero.emulator.approve_tenants = [xero.tenant_ids[1]]
    second = await xero.connect()
    event = claims(second["access_token"])["authentication_event_id"]
    everything = await (await xero.client.get("/connections", headers=bearer)).json()
    assert {c["tenantId"] for c in everything} == set(xero.tenant_ids)
    only = await (await xero.client.get("/connections", params={"authEventId": event}, headers=bearer)).json()
    assert [c["tenantId"] for c in only] == [xero.tenant_ids[1]] and only[0]["authEventId"] == event
    first = next(c for c in everything if c["tenantId"] == xero.tenant_ids[0])
    assert (await xero.client.delete(f"/connections/{first['id']}", headers=bearer)).status == 204
    assert (await xero.client.delete(f"/connections/{first['id']}", headers=bearer)).status == 404
    assert (await xero.api("Organisation", session["access_token"], xero.tenant_ids[0])).status == 403


async def test_connections_need_a_live_token(xero, session, clock):
    await clock.advance(1801)
    response = await xero.client.get("/connections", headers={"Authorization": f"Bearer {session['access_token']}"})
    assert response.status == 401


async def test_authorize_rejects_unknown_client_with_a_page(xero):
    params = xero.authorize_params("v" * 50, client_id="someone-else")
    response = await xero.client.get("/identity/connect/authorize", params=params, allow_redirects=False)
    assert response.status == 400 and "text/html" in response.headers["Content-Type"]


async def test_authorize_without_pkce_redirects_with_an_error(xero):
    params = xero.authorize_params("v" * 50, code_challenge=None)
    response = await xero.client.get("/identity/connect/authorize", params=params, allow_redirects=False)
    assert response.status == 302
    query = URL(response.headers["Location"]).query
    assert query["error"] == "invalid_request" and query["state"] == "state-1"


async def test_consent_page_allow_with_chosen_orgs(xero):
    xero.emulator.auto_approve = False
    params = xero.authorize_params("v" * 50)
    page = await xero.client.get("/identity/connect/authorize", params=params)
    text = await page.text()
    assert page.status == 200 and text.count("type='checkbox'") == 2
    request_id = text.split("name='request_id' value='")[1].split("'")[0]
    response = await xero.client.post("/identity/connect/authorize", allow_redirects=False, data={
        "request_id": request_id, "action": "allow", "tenant": xero.tenant_ids[1]})
    location = URL(response.headers["Location"])
    assert response.status == 302 and str(location).startswith(REDIRECT) and location.query["code"]
    assert [c.tenant_id for c in xero.emulator.connections.list()] == [xero.tenant_ids[1]]


async def test_consent_page_deny(xero):
    xero.emulator.auto_approve = False
    page = await xero.client.get("/identity/connect/authorize", params=xero.authorize_params("v" * 50))
    request_id = (await page.text()).split("name='request_id' value='")[1].split("'")[0]
    response = await xero.client.post("/identity/connect/authorize", allow_redirects=False,
                                      data={"request_id": request_id, "action": "deny"})
    query = URL(response.headers["Location"]).query
    assert query["error"] == "access_denied" and query["state"] == "state-1"


async def test_consent_helper_returns_the_callback_url(xero):
    url = URL("http://emulator/identity/connect/authorize").with_query(xero.authorize_params("v" * 50))
    callback = URL(xero.emulator.consent(str(url), tenant_ids=[xero.tenant_ids[0]]))
    assert callback.query["code"] and callback.query["state"] == "state-1"
    assert URL(xero.emulator.consent(str(url), allow=False)).query["error"] == "access_denied"


async def test_expire_grant_expires_access_tokens_now(xero, session):
    xero.emulator.expire_grant(session["refresh_token"])
    response = await xero.api("Organisation", session["access_token"], xero.tenant_ids[0])
    assert response.status == 401
    assert (await response.json())["Detail"].startswith("TokenExpired: token expired at 11/24/2026 09:00:00")
    status, fresh = await xero.refresh(session["refresh_token"])
    assert status == 200
    assert (await xero.api("Organisation", fresh["access_token"], xero.tenant_ids[0])).status == 200


async def test_revoke_grant_through_control_api(xero, session):
    response = await xero.client.post("/_control/grants/revoke", json={"refresh_token": session["refresh_token"]})
    assert (await response.json()) == {"grants": 1}
    assert await xero.refresh(session["refresh_token"]) == (400, {"error": "invalid_grant"})


async def test_missing_scope_is_authorization_unsuccessful(xero):
    body = await xero.connect(scope="offline_access accounting.contacts.read")
    tenant = xero.tenant_ids[0]
    assert (await xero.api("Contacts", body["access_token"], tenant)).status == 200
    response = await xero.api("Invoices", body["access_token"], tenant)
    assert response.status == 401 and (await response.json())["Detail"] == "AuthorizationUnsuccessful"
    broad = await xero.connect(scope="accounting.transactions.read")
    assert (await xero.api("Invoices", broad["access_token"], tenant)).status == 200


async def test_withheld_scopes_are_left_out_of_later_consents(xero):
    response = await xero.client.post("/_control/scopes", json={"withhold": ["accounting.journals.read"]})
    assert (await response.json()) == {"withheld": ["accounting.journals.read"]}
    tenant = xero.tenant_ids[0]
    code, verifier = await xero.authorize()
    status, body = await xero.token(code_form(code, verifier))
    assert status == 200 and "accounting.journals.read" not in body["scope"].split()
    assert "accounting.journals.read" not in claims(body["access_token"])["scope"]
    assert (await xero.api("Contacts", body["access_token"], tenant)).status == 200
    refused = await xero.api("Journals", body["access_token"], tenant)
    assert refused.status == 401 and (await refused.json())["Detail"] == "AuthorizationUnsuccessful"
    assert (await (await xero.client.post("/_control/scopes", json={"withhold": "x"})).json())["error"]
    await xero.client.post("/_control/scopes", json={"withhold": []})
    again = await xero.connect()
    assert (await xero.api("Journals", again["access_token"], tenant)).status == 200
