"""Identity: authorize (consent), token, revocation, and the connections endpoints."""

from __future__ import annotations

import base64
from urllib.parse import unquote_plus

from aiohttp import web
from multidict import MultiDictProxy

from .consent import ConsentPageError, ConsentRedirect, consent_page, error_page, parse_authorize
from .errors import not_found, oauth_error
from .faults import API, TOKEN
from .grants import OAuthError
from .guards import bearer, strike
from .keys import EMULATOR, SLOW

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html")


async def authorize(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    try:
        auth = parse_authorize(request.query, emulator.config)
    except ConsentPageError as err:
        return _page(error_page(str(err)), 400)
    except ConsentRedirect as redirect:
        raise web.HTTPFound(redirect.url) from None
    if emulator.auto_approve:
        try:
            location = emulator.approve(auth)
        except KeyError as err:  # approve_tenants names an org the emulator does not have
            return _page(error_page(str(err)), 400)
        raise web.HTTPFound(location)
    request_id = emulator.begin_consent(auth)
    return _page(consent_page(request_id, auth, [(o.tenant_id, o.name) for o in emulator.tenants]))


async def consent_answer(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    form = await request.post()
    auth = emulator.take_consent(str(form.get("request_id", "")))
    if auth is None:
        return _page(error_page("This authorisation request has expired or was already answered."), 400)
    if form.get("action") != "allow":
        raise web.HTTPFound(emulator.deny(auth))
    try:
        location = emulator.approve(auth, [str(t) for t in form.getall("tenant", [])])
    except KeyError as err:
        return _page(error_page(str(err)), 400)
    raise web.HTTPFound(location)


def _client(request: web.Request, form: MultiDictProxy) -> tuple[str, str]:
    """Client credentials from HTTP Basic auth, else from the form body."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            login, _, password = base64.b64decode(header[6:].strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return unquote_plus(login), unquote_plus(password)
    return str(form.get("client_id", "")), str(form.get("client_secret", ""))


async def _client_form(request: web.Request) -> MultiDictProxy | web.Response:
    if request.content_type != "application/x-www-form-urlencoded":
        return oauth_error("invalid_request")
    form = await request.post()
    config = request.app[EMULATOR].config
    if _client(request, form) != (config.client_id, config.client_secret):
        return oauth_error("invalid_client", 401)
    return form


async def token(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR]
    form = await _client_form(request)
    if isinstance(form, web.Response):
        return form
    grant_type, now = form.get("grant_type"), emulator.clock.time()
    client_id = emulator.config.client_id
    try:
        if grant_type == "authorization_code":
            answer = emulator.grants.exchange(str(form.get("code", "")), client_id,
                                              str(form.get("redirect_uri", "")),
                                              str(form.get("code_verifier", "")), now)
        elif grant_type == "refresh_token":
            answer = emulator.grants.refresh(str(form.get("refresh_token", "")), client_id, now)
            lost = strike(emulator, request, TOKEN, None)
            if lost is not None:
                return lost
            if request.get(SLOW):  # refreshed already: a slow answer (a second refresh meanwhile would race it)
                await emulator.clock.sleep(request[SLOW])
        else:
            return oauth_error("unsupported_grant_type")
    except OAuthError as err:
        return oauth_error(err.error, err.status)
    return web.json_response(answer, headers=_NO_STORE)


async def revocation(request: web.Request) -> web.Response:
    form = await _client_form(request)
    if isinstance(form, web.Response):
        return form
    if not form.get("token"):
        return oauth_error("invalid_request")
    request.app[EMULATOR].revoke_token(str(form["token"]))
    return web.Response(status=200)


def _connections_refusal(request: web.Request) -> web.Response | None:
    """An injected fault or a bad token's answer for /connections, or None when the request may go on."""
    emulator = request.app[EMULATOR]
    answer = strike(emulator, request, API, "Connections")
    if answer is not None:
        return answer
    checked = bearer(emulator, request)
    return checked if isinstance(checked, web.Response) else None


async def list_connections(request: web.Request) -> web.Response:
    if (refused := _connections_refusal(request)) is not None:
        return refused
    connections = request.app[EMULATOR].connections.list(request.query.get("authEventId"))
    return web.json_response([c.to_json() for c in connections])


async def delete_connection(request: web.Request) -> web.Response:
    if (refused := _connections_refusal(request)) is not None:
        return refused
    if not request.app[EMULATOR].connections.remove(request.match_info["connection_id"].lower()):
        return not_found()
    return web.Response(status=204)


def setup(app: web.Application) -> None:
    app.router.add_get("/identity/connect/authorize", authorize)
    app.router.add_post("/identity/connect/authorize", consent_answer)
    app.router.add_post("/connect/token", token)
    app.router.add_post("/connect/revocation", revocation)
    for base in ("/connections", "/Connections"):
        app.router.add_get(base, list_connections)
        app.router.add_delete(base + "/{connection_id}", delete_connection)
