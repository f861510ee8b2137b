"""Deterministic randomness for seeded data: every value is a pure function of (seed, org, what, index)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

YEAR_MS = 365 * 86_400_000


class Dice(random.Random):
    """`random.Random` with cheap helpers (the stdlib's randrange/choice are slow in bulk)."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, lo: int, hi: int) -> int:
        """An integer in [lo, hi)."""
        return lo + int(self.random() * (hi - lo))

    def pick(self, options: Sequence[T]) -> T:
        return options[int(self.random() * len(options))]

    def uuid(self) -> str:
        return uuid_text(self.getrandbits(128))


def uuid_text(bits: int) -> str:
    """A version-4 UUID string from 128 random bits (what `str(uuid.UUID(int=bits, version=4))` gives)."""
    bits = (bits & ~(0xF000 << 64) | (0x4000 << 64)) & ~(0xC000 << 48) | (0x8000 << 48)
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _key(*parts: object) -> int:
    return int.from_bytes(hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class Country:
    version: str
    country_code: str
    currency: str
    timezone: str
    tax_label: str
    rate: float
    output_type: str
    input_type: str
    exempt_type: str
    phone_code: str
    city: str


COUNTRIES = (
    Country("NZ", "NZ", "NZD", "NEWZEALANDSTANDARDTIME", "GST", 15.0, "OUTPUT2", "INPUT2", "NONE", "64",
            "Wellington"),
    Country("UK", "GB", "GBP", "GMTSTANDARDTIME", "VAT", 20.0, "OUTPUT2", "INPUT2", "NONE", "44", "London"),
    Country("AU", "AU", "AUD", "AUSEASTERNSTANDARDTIME", "GST", 10.0, "OUTPUT", "INPUT", "EXEMPTOUTPUT", "61",
            "Sydney"),
)


@dataclass
class OrgContext:
    """What every generator of one organisation needs: where its randomness and its time come from."""

    seed: int
    index: int
    tenant_id: str
    name: str
    anchor_ms: int  # the emulator clock's start: seeded changes all lie in the year before it
    country: Country
    refs: dict = field(default_factory=dict)  # cross-entity references filled while seeding
    _bases: dict[str, int] = field(default_factory=dict, repr=False)

    def rng(self, what: str, index: int = 0) -> Dice:
        """The generator of one named purpose (and one record, by index) of this org."""
        base = self._bases.get(what)
        if base is None:
            base = self._bases[what] = _key(self.seed, self.index, what)
        return Dice((base << 40) | index)

    def ids(self, what: str, count: int) -> list[str]:
        """`count` UUIDs for an entity, stable for a given seed."""
        rng = self.rng(f"{what}:ids")
        return [uuid_text(rng.getrandbits(128)) for _ in range(count)]

    def new_id(self, what: str, index: int) -> str:
        """The UUID of a record added later (index past the seeded ones)."""
        return self.rng(f"{what}:new-id", index).uuid()

    def stamps(self, what: str, count: int) -> list[int]:
        """Distinct, increasing UpdatedDateUTC milliseconds spread over the year before the anchor."""
        step = max(1, YEAR_MS // max(count, 1))
        rng = self.rng(f"{what}:stamps")
        start = self.anchor_ms - YEAR_MS
        return [start + i * step + int(rng.random() * step) for i in range(count)]


def org_uuid(seed: int, *parts: object) -> str:
    """A UUID for something that is not per-record (a tenant, the user)."""
    return Dice(_key(seed, *parts)).uuid()


def money(value: float) -> float:
    return round(value + 0.0, 2)
