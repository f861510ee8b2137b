"""DATABASE_URL, as the store reads it: which backend, where a SQLite file lives, and the URL fit to be shown."""

from __future__ import annotations

from pathlib import Path


def is_postgres(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> Path:
    """`sqlite:///rel/path.db` is relative to the working directory; `sqlite:////abs/path.db` is absolute."""
    return Path(url.removeprefix("sqlite:///"))


def redact(url: str) -> str:
    """A database URL fit for a log line or an operator's screen: any password replaced by ***."""
    url, mark, query = url.partition("?")
    if "password" in query.lower():
        query = "***"
    url += mark + query
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    userinfo, _, host = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}{':***' if ':' in userinfo else ''}@{host}"
