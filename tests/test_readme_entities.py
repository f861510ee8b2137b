"""The README's entity table is the entity table (`daemon/core/entities.py`) written out: entity, scope, paging, how
changes and deletes are seen. This test fails when they differ; `make docs` rewrites it (UPDATE_DOCS=1)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from daemon.core.entities import ENTITIES, FIXED_PAGE, OFFSET_BATCH, PAGE_SIZE, Entity

README = Path(__file__).resolve().parents[1] / "README.md"
BEGIN = "<!-- entities: written from daemon/core/entities.py by tests/test_readme_entities.py (make docs) -->"
END = "<!-- /entities -->"


def paging(entity: Entity) -> str:
    if entity.offset:
        return f"`offset` (the last JournalNumber stored), {OFFSET_BATCH} a call until a shorter batch"
    if entity.paged and entity.page_size:
        return f"`page`, `pageSize={PAGE_SIZE}`, until `pagination.pageCount`"
    if entity.paged:
        return f"`page` only (no `pageSize`): {FIXED_PAGE} a page, until a shorter page (or `pagination.pageCount`)"
    return "read whole"


def changes(entity: Entity) -> str:
    if entity.paged or entity.offset:
        read = "`If-Modified-Since` its watermark"
    else:
        read = "all of it, each sync"
    stamp = f"`{entity.stamp}` orders versions" if entity.stamp else "no date: the version read last is kept"
    return f"{read}; {stamp}"


def deletes(entity: Entity) -> str:
    if entity.deletes.startswith("never"):
        return "never deleted" + (f" ({entity.deletes.split(':', 1)[1].strip()})" if ":" in entity.deletes else "")
    vanished = "one gone from Xero is marked deleted"
    if entity.deletes == "vanishes":
        return vanished
    kept = f"kept with its `{entity.status_field}`"
    return kept + (f"; {vanished}" if not (entity.paged or entity.offset) else "")


def table() -> str:
    rows = ["| entity | synced by default | scope | paging | changes read | how deletes are seen | always sent |",
            "|---|---|---|---|---|---|---|"]
    for entity in ENTITIES.values():
        sent = ", ".join(f"`{k}={v}`" for k, v in entity.params) or "–"
        rows.append(f"| `{entity.name}` | {'yes' if entity.default else 'no'} | `{entity.scope}` | {paging(entity)} "
                    f"| {changes(entity)} | {deletes(entity)} | {sent} |")
    return "\n".join(rows)


def test_the_readme_entity_table_is_the_entity_table():
    text = README.read_text()
    found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found, f"README.md has no entity table between {BEGIN!r} and {END!r}"
    if os.environ.get("UPDATE_DOCS"):
        text = text[:found.start(1)] + table() + text[found.end(1):]
        README.write_text(text)
        found = re.search(re.escape(BEGIN) + r"\n(.*?)\n" + re.escape(END), text, re.S)
    assert found.group(1) == table(), "README.md's entity table is not daemon/core/entities.py's: run `make docs`"


def test_every_entity_says_how_its_deletes_are_seen():
    for entity in ENTITIES.values():
        assert entity.deletes in ("status", "vanishes") or entity.deletes.startswith("never"), entity.name
        assert entity.deletes != "status" or entity.status_field, entity.name
