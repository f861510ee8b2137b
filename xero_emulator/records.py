"""Changing the data behind the API, as a Xero user would: edit, void, archive, delete, add.

Every change moves UpdatedDateUTC to the emulator clock's now (or just after the newest record, so a changed
record always sorts after older ones) and, for invoices and contacts, queues a webhook event.
"""

from __future__ import annotations

from collections.abc import Callable

from .dates import ms_date
from .entities import EntitySpec, entity
from .org import Org

_VOID = {"Invoices": "VOIDED", "CreditNotes": "VOIDED", "Overpayments": "VOIDED", "Prepayments": "VOIDED",
         "Payments": "DELETED"}
_ARCHIVE = {"Contacts": "ARCHIVED", "Accounts": "ARCHIVED", "TaxRates": "ARCHIVED"}
_DELETE = {"Invoices": "DELETED", "CreditNotes": "DELETED", "Payments": "DELETED", "Accounts": "DELETED",
           "TaxRates": "DELETED"}
_HARD_DELETED = ("Items",)  # Xero removes these outright


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
        return self._by_rule(tenant_id, entity_name, record_id, _VOID, "voided")

    def archive(self, tenant_id: str, entity_name: str, record_id: str) -> dict:
        return self._by_rule(tenant_id, entity_name, record_id, _ARCHIVE, "archived")

    def delete(self, tenant_id: str, entity_name: str, record_id: str) -> dict | None:
        """Delete as Xero does: drafts become DELETED, payments DELETED, items vanish; contacts cannot be."""
        spec = entity(entity_name)
        if spec.name in _HARD_DELETED:
            self.hard_delete(tenant_id, spec.name, record_id)
            return None
        if spec.name in ("Invoices", "CreditNotes"):
            status = self.org(tenant_id).table(spec.name).status(record_id)
            if status not in ("DRAFT", "SUBMITTED"):
                raise ValueError(f"only DRAFT or SUBMITTED {spec.name} can be deleted (this one is {status}); "
                                 "void it instead")
        return self._by_rule(tenant_id, spec.name, record_id, _DELETE, "deleted")

    def hard_delete(self, tenant_id: str, entity_name: str, record_id: str) -> None:
        """Remove a record from every listing (Xero does this to Items)."""
        self.org(tenant_id).table(entity_name).remove(record_id)

    def add_record(self, tenant_id: str, entity_name: str, record: dict | None = None) -> dict:
        """Add a record: a generated, valid one, with any fields of `record` laid over it."""
        spec = entity(entity_name)
        org = self.org(tenant_id)
        table = org.tables[spec.name]
        stamp = self._next_stamp(org, spec)
        doc = {**org.generate(spec.name, stamp), **(record or {})}
        if str(doc[spec.id_key]) in table:
            raise ValueError(f"{spec.name} {doc[spec.id_key]} already exists")
        return self._save(org, spec, doc, stamp, "CREATE")

    def _by_rule(self, tenant_id: str, entity_name: str, record_id: str, rule: dict[str, str],
                 verb: str) -> dict:
        spec = entity(entity_name)
        if spec.name not in rule:
            raise ValueError(f"{spec.name} cannot be {verb} in Xero")
        return self._change(tenant_id, spec, record_id, lambda doc: _apply_status(spec, doc, rule[spec.name]))

    def _change(self, tenant_id: str, spec: EntitySpec, record_id: str, mutate: Callable[[dict], None]) -> dict:
        org = self.org(tenant_id)
        table = org.tables[spec.name]
        doc = table.doc(record_id)
        mutate(doc)
        stamp = self._next_stamp(org, spec) if spec.modified_since else table.stamp(record_id)
        return self._save(org, spec, doc, stamp, "UPDATE")

    def _next_stamp(self, org: Org, spec: EntitySpec) -> int:
        table = org.tables[spec.name]
        if not spec.modified_since:
            return table.max_stamp + 1
        return max(int(self.clock.time() * 1000), table.max_stamp + 1)

    def _save(self, org: Org, spec: EntitySpec, doc: dict, stamp: int, event: str) -> dict:
        if spec.modified_since:
            doc["UpdatedDateUTC"] = ms_date(stamp)
        org.tables[spec.name].put(doc, stamp)
        if spec.webhook_category:
            self.webhooks.enqueue(category=spec.webhook_category, entity=spec.name, tenant_id=org.tenant_id,
                                  resource_id=str(doc[spec.id_key]), event_type=event, when=self.clock.time())
        return doc


def _apply_status(spec: EntitySpec, doc: dict, status: str) -> None:
    doc[spec.status_key or "Status"] = status
    if spec.name in ("Invoices", "CreditNotes") and status in ("VOIDED", "DELETED"):
        for key in ("AmountDue", "RemainingCredit"):
            if key in doc:
                doc[key] = 0.0
