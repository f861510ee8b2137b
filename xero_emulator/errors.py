"""Xero's error answers: the problem-details JSON of 401/403, and the OAuth error bodies."""

from __future__ import annotations

import uuid

from aiohttp import web


def problem(status: int, title: str, detail: str) -> dict:
    return {"Type": None, "Title": title, "Status": status, "Detail": detail, "Instance": str(uuid.uuid4()),
            "Extensions": {}}


def unauthorized(detail: str) -> web.Response:
    """401: TokenExpired..., AuthenticationUnsuccessful (bad/revoked token), AuthorizationUnsuccessful (scope)."""
    error = "insufficient_scope" if detail == "AuthorizationUnsuccessful" else "invalid_token"
    return web.json_response(problem(401, "Unauthorized", detail), status=401,
                             headers={"WWW-Authenticate": f'Bearer error="{error}"'})


def forbidden() -> web.Response:
    """403: the tenant is not connected (or the xero-tenant-id header is missing or wrong)."""
    return web.json_response(problem(403, "Forbidden", "AuthenticationUnsuccessful"), status=403)


def validation_error(messages: list[str]) -> web.Response:
    """400 in the shape of Xero's validation errors (the spec's `Error` schema), one message per problem."""
    body = {"ErrorNumber": 10, "Type": "ValidationException", "Message": "A validation exception occurred",
            "Elements": [{"ValidationErrors": [{"Message": message} for message in messages]}]}
    return web.json_response(body, status=400)


def not_found() -> web.Response:
    return web.Response(status=404, text="The resource you're looking for cannot be found",
                        content_type="text/plain")


def oauth_error(error: str, status: int = 400) -> web.Response:
    return web.json_response({"error": error}, status=status)
