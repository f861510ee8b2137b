"""Tenant connections of the emulated user: what `/connections` lists and which tenants the API serves."""

from __future__ import annotations

from dataclasses import dataclass

from .dates import connection_stamp
from .seedutil import org_uuid


@dataclass
class Connection:
    id: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: float
    updated: float

    def to_json(self) -> dict:
        return {"id": self.id, "authEventId": self.auth_event_id, "tenantId": self.tenant_id,
                "tenantType": "ORGANISATION", "tenantName": self.tenant_name,
                "createdDateUtc": connection_stamp(self.created), "updatedDateUtc": connection_stamp(self.updated)}


class Connections:
    """One connection per tenant the user has authorised for the app (a re-authorisation updates it)."""

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._made = 0
        self._by_tenant: dict[str, Connection] = {}

    def connect(self, tenants: list[tuple[str, str]], auth_event_id: str, now: float) -> None:
        for tenant_id, name in tenants:
            existing = self._by_tenant.get(tenant_id)
            if existing:
                existing.auth_event_id, existing.updated = auth_event_id, now
                continue
            self._made += 1
            connection_id = org_uuid(self._seed, "connection", self._made)
            self._by_tenant[tenant_id] = Connection(connection_id, tenant_id, name, auth_event_id, now, now)

    def list(self, auth_event_id: str | None = None) -> list[Connection]:
        return [c for c in self._by_tenant.values() if auth_event_id in (None, c.auth_event_id)]

    def is_connected(self, tenant_id: str | None) -> bool:
        return tenant_id in self._by_tenant

    def remove(self, connection_id: str) -> bool:
        for tenant_id, connection in list(self._by_tenant.items()):
            if connection.id == connection_id:
                del self._by_tenant[tenant_id]
                return True
        return False

    def disconnect_tenant(self, tenant_id: str) -> bool:
        return self._by_tenant.pop(tenant_id, None) is not None

    def drop_event(self, auth_event_id: str) -> None:
        """Remove the connections last authorised by one grant (its revocation)."""
        for connection in self.list(auth_event_id):
            del self._by_tenant[connection.tenant_id]
