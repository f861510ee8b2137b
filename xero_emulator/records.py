"""Changing the data behind the API, as a Xero user would: edit, void, archive, delete, add.

Every change moves the record's stamp (UpdatedDateUTC, where the entity shows one) to the emulator clock's now (or
just after the newest record, so a changed record always sorts after older ones) and, for invoices and contacts,
queues a webhook event. A change to a document that posts to the ledger (an invoice, a bank transaction, a manual
journal, ...) appends the Journals it causes; Journals themselves never change.
"""

from __future__ import annotations

from collections.abc import Callable

from . import ledger
from .dates import ms_date
from .entities import EntitySpec, entity
from .org import Org


class RecordControl:
    """Mixed into `Emulator`; needs `self.clock`, `self.org(tenant_id)` and `self.webhooks`."""

    def records(self, tenant_id: str, entity_name: str) -> list[dict]:
        """The current truth for one entity of one tenant, as the API renders it (all statuses)."""
        table = self.org(tenant_id).table(entity_name)
        return [table.doc(record_id) for record_id in table.ids()]

    def record(self, tenant_id: str, entity_name: str, record_id: str) -> dict:
        return self.org(tenant_id).table(entity_name).doc(record_id)

    def update_record(self, tenant_id: str, entity_name: str, record_id: str, changes: dict) -> dict:
        spec = entity(entity_name)
        if spec.id_key in changes and str(changes[spec.id_key]) != record_id:
            raise ValueError(f"{spec.id_key} cannot be changed")
        return self._change(tenant_id, spec, record_id, lambda doc: doc.update(changes))

    def misdate(self, tenant_id: str, entity_name: str, record_id: str, updated: str) -> dict:
        """Change a record now, but have it carry `updated` as its UpdatedDateUTC: a date Xero's clock never gave
        (in the future, or out of any range), as odd data imported into Xero can show."""
        spec = entity(entity_name)
        table = self.org(tenant_id).tables[spec.name]
        doc = self._change(tenant_id, spec, record_id, lambda _: None)
        doc["UpdatedDateUTC"] = updated
        table.put(doc, table.stamp(record_id))
        return doc

    def set_status(self, tenant_id: str, entity_name: str, record_id: str, status: str) -> dict:
        spec = entity(entity_name)
        if not spec.status_key or status not in spec.statuses:
            raise ValueError(f"{spec.name} cannot have status {status!r}; allowed: {spec.statuses}")
        return self._change(tenant_id, spec, record_id, lambda doc: _apply_status(spec, doc, status))

    def void(self, tenant_id: str, entity_name: str, record_id: str) -> dict:
        spec = entity(entity_name)
        self._allowed(tenant_id, spec, record_id, spec.void, spec.void_from, "voided")
        return self._change(tenant_id, spec, record_id, lambda doc: _apply_status(spec, doc, spec.void))

    def archive(self, tenant_id: str, entity_name: str, record_id: str) -> dict:
        spec = entity(entity_name)
        self._allowed(tenant_id, spec, record_id, spec.archive, (), "archived")
        return self._change(tenant_id, spec, record_id, lambda doc: _apply_status(spec, doc, spec.archive))

    def delete(self, tenant_id: str, entity_name: str, record_id: str) -> dict | None:
        """Delete as Xero does: drafts become DELETED, payments DELETED, items vanish; contacts cannot be."""
        spec = entity(entity_name)
        if spec.hard_delete:
            self.hard_delete(tenant_id, spec.name, record_id)
            return None
        self._allowed(tenant_id, spec, record_id, spec.delete, spec.delete_from, "deleted")
        return self._change(tenant_id, spec, record_id, lambda doc: _apply_status(spec, doc, spec.delete))

    def hard_delete(self, tenant_id: str, entity_name: str, record_id: str) -> None:
        """Remove a record from every listing (Xero does this to Items)."""
        if entity(entity_name).immutable:
            raise ValueError(f"{entity(entity_name).name} are immutable in Xero")
        self.org(tenant_id).table(entity_name).remove(record_id)

    def add_record(self, tenant_id: str, entity_name: str, record: dict | None = None) -> dict:
        """Add a record: a generated, valid one, with any fields of `record` laid over it."""
        spec = entity(entity_name)
        if spec.immutable:
            return self._add_journal(tenant_id, record)
        org = self.org(tenant_id)
        table = org.tables[spec.name]
        stamp = self._next_stamp(org, spec)
        doc = {**org.generate(spec.name, stamp), **(record or {})}
        if str(doc[spec.id_key]) in table:
            raise ValueError(f"{spec.name} {doc[spec.id_key]} already exists")
        if spec.created_key:
            doc[spec.created_key] = ms_date(stamp)
        return self._save(org, spec, None, doc, stamp, "CREATE")

    def _add_journal(self, tenant_id: str, record: dict | None) -> dict:
        """Journals come from documents: post a new manual journal and return the journal it caused."""
        if record:
            raise ValueError("Journals cannot be written; add or change a document (a manual journal) instead")
        self.add_record(tenant_id, "ManualJournals", {"Status": "POSTED"})
        return self.records(tenant_id, "Journals")[-1]

    def _allowed(self, tenant_id: str, spec: EntitySpec, record_id: str, status: str | None,
                 allowed_from: tuple[str, ...], verb: str) -> None:
        if status is None or spec.immutable:
            raise ValueError(f"{spec.name} cannot be {verb} in Xero")
        current = self.org(tenant_id).table(spec.name).status(record_id)
        if allowed_from and current not in allowed_from:
            hint = "; void it instead" if spec.void else ""
            raise ValueError(f"only {' or '.join(allowed_from)} {spec.name} can be {verb} "
                             f"(this one is {current}){hint}")

    def _change(self, tenant_id: str, spec: EntitySpec, record_id: str, mutate: Callable[[dict], None]) -> dict:
        if spec.immutable:
            raise ValueError(f"{spec.name} are immutable in Xero: new ones appear when documents change")
        org = self.org(tenant_id)
        table = org.tables[spec.name]
        before = table.doc(record_id)
        doc = table.doc(record_id)
        mutate(doc)
        stamp = self._next_stamp(org, spec) if spec.modified_since else table.stamp(record_id)
        return self._save(org, spec, before, doc, stamp, "UPDATE")

    def _next_stamp(self, org: Org, spec: EntitySpec) -> int:
        table = org.tables[spec.name]
        if not spec.modified_since:
            return table.max_stamp + 1
        return max(int(self.clock.time() * 1000), table.max_stamp + 1)

    def _save(self, org: Org, spec: EntitySpec, before: dict | None, doc: dict, stamp: int, event: str) -> dict:
        if spec.modified_since and spec.stamp_key:
            doc[spec.stamp_key] = ms_date(stamp)
        org.tables[spec.name].put(doc, stamp)
        if spec.webhook_category:
            self.webhooks.enqueue(category=spec.webhook_category, entity=spec.name, tenant_id=org.tenant_id,
                                  resource_id=str(doc[spec.id_key]), event_type=event, when=self.clock.time())
        self._post(org, spec.name, before, doc)
        return doc

    def _post(self, org: Org, name: str, before: dict | None, after: dict) -> None:
        """Append the Journals a change to a ledger document causes (a reversal of what it posted, then anew)."""
        journals = entity("Journals")
        for posting in ledger.changes(org.ctx, name, before, after):
            stamp = self._next_stamp(org, journals)
            new = org.generate("Journals", stamp)
            org.tables["Journals"].put(ledger.journal(org.ctx, new["JournalNumber"], new["JournalID"], posting,
                                                      stamp), stamp)


def _apply_status(spec: EntitySpec, doc: dict, status: str) -> None:
    doc[spec.status_key or "Status"] = status
    if spec.name in ("Invoices", "CreditNotes") and status in ("VOIDED", "DELETED"):
        for key in ("AmountDue", "RemainingCredit"):
            if key in doc:
                doc[key] = 0.0
