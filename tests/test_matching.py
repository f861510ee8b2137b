"""What a command's words name (daemon/sync/matching.py): the org, then an entity, a date or a count, each read as
what it is. Hand-written cases for the telling errors, and generated words for the rule that any text gets a
target or one clear, short error, never anything else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.core.errors import CommandError
from daemon.sync.matching import ALERT_KINDS, MAX_COUNT, read_subscription, read_target


@dataclass(frozen=True)
class Org:
    tenant_id: str
    name: str


AROHA = Org("7f1c0c1e-0000-4000-8000-000000000001", "Aroha Plumbing (NZ)")
BRAMBLE = Org("7f1c0c1e-0000-4000-8000-000000000002", "Bramble Bakery (UK)")
ORGS = [AROHA, BRAMBLE]


def error(text: str, orgs=ORGS, reader=read_target, **takes) -> str:
    with pytest.raises(CommandError) as err:
        reader(orgs, text, **takes)
    return str(err.value)


def test_an_org_then_what_the_command_takes_in_any_order():
    target = read_target(ORGS, "aroha 2024-07-01 invoices", entity=True, day=True)
    assert (target.org, target.entity, target.day) == (AROHA, "Invoices", date(2024, 7, 1))
    assert read_target(ORGS, "Bramble Bakery (UK) contact", entity=True).entity == "Contacts"
    assert read_target(ORGS, "aroha 5", count=True).count == 5
    assert read_target(ORGS, AROHA.tenant_id).org == AROHA
    assert read_target([AROHA], "invoices", entity=True).org == AROHA  # one org: it may be left out
    assert read_target(ORGS, "", many=True).orgs == ORGS


def test_each_wrong_word_is_named_for_what_it_is_not():
    assert error("aroha tomorrow", entity=True, day=True) == ("`tomorrow` is not a date I can read: write it as "
                                                             "YYYY-MM-DD, e.g. 2024-07-01.")
    assert error("aroha now please", entity=True).startswith("I don't understand `now`: after the organisation "
                                                              "this command takes an entity (e.g. Invoices).")
    assert error("aroha 2024-07-01") == "I don't understand `2024-07-01`: after the organisation this command takes " \
                                        "nothing."
    assert error("aroha 2024-07-01 2024-08-01", day=True) == "`2024-08-01` is a second date: this command takes one."
    assert error("aroha 0", count=True).startswith("I don't understand `0`")
    assert error("Acme", entity=True).startswith("No organisation matches 'Acme'. Connected: Aroha Plumbing (NZ)")
    assert error("invoices", entity=True).startswith("Several organisations are connected; name one")
    assert error("tomorrow", [AROHA], day=True).startswith("`tomorrow` is not a date")
    assert error("c", many=True) == f"No organisation matches 'c'. Connected: {AROHA.name} ({AROHA.tenant_id}), " \
                                    f"{BRAMBLE.name} ({BRAMBLE.tenant_id})"
    assert error("", []).startswith("No Xero organisation is connected yet.")


def test_a_long_word_is_clipped_and_a_long_list_of_orgs_is_cut():
    said = error("aroha " + "x" * 5000, entity=True)
    assert "`" + "x" * 39 + "…`" in said and len(said) < 200
    many = [Org(f"t{i}", f"Org {i}") for i in range(40)]
    assert error("Org", many).endswith(", and 30 more")


WORDS = st.one_of(st.sampled_from(["aroha", "Aroha", "plumbing", "(NZ)", "bramble", "invoices", "Contacts",
                                   "2024-07-01", "2024-13-01", "tomorrow", "7", "0", "51", AROHA.tenant_id]),
                  st.text(min_size=1, max_size=60).filter(lambda w: not any(c.isspace() for c in w)))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(WORDS, max_size=6), many=st.booleans(), entity=st.booleans(), day=st.booleans(),
       count=st.booleans(), one=st.booleans())
def test_any_words_get_a_target_or_one_short_clear_error(words, many, entity, day, count, one):
    orgs = [AROHA] if one else ORGS
    try:
        target = read_target(orgs, " ".join(words), many=many, entity=entity, day=day, count=count)
    except CommandError as err:
        said = str(err)
        assert said and len(said) <= 600, said
        assert not any(len(w) > 40 and w in said for w in words)  # a long word is never echoed whole
        return
    assert target.orgs and all(o in orgs for o in target.orgs) and (many or len(target.orgs) == 1)
    assert (target.entity is None or entity) and (target.day is None or day) and (target.count is None or count)
    assert target.count is None or 0 < target.count <= MAX_COUNT


# -- `/xero subscribe [org|all] [kinds]` ----------------------------------------------------------------------------
DAILY = Org("7f1c0c1e-0000-4000-8000-000000000003", "Daily Bread")


def test_subscription_words_org_first_then_kinds():
    target = read_subscription(ORGS, "aroha failures syncs")
    assert target.orgs == [AROHA] and target.alerts == ("failures", "syncs") and not target.every
    assert read_subscription(ORGS, "all digest everything").alerts == ALERT_KINDS
    nothing = read_subscription(ORGS, "")
    assert nothing.every and not nothing.named and nothing.alerts == ()  # the caller's default: failures, auth
    assert read_subscription(ORGS, "changes").every  # no org: every org
    assert read_subscription([AROHA, DAILY], "daily").alerts == ("daily",)  # a kind, not the start of a name
    assert read_subscription([AROHA, DAILY], "daily bread daily").orgs == [DAILY]
    assert read_subscription([], "all failures").orgs == []  # every org, before any is connected
    assert error("aroha failures sometimes", reader=read_subscription) == (
        "I don't understand `sometimes`: after the organisation (or `all`) I expect kinds of alert: failures, auth, "
        "syncs, changes, daily (or `everything`).")
    assert error("acme daily", reader=read_subscription).startswith("No organisation matches 'acme'.")


KIND_WORDS = st.one_of(st.sampled_from(["all", "aroha", "Aroha Plumbing (NZ)", "bramble", "failures", "auth", "syncs",
                                        "changes", "daily", "digest", "everything", "sometimes", "ALL", "Daily"]),
                       st.text(min_size=1, max_size=30).filter(lambda w: not any(c.isspace() for c in w)))


@settings(max_examples=300, deadline=None)
@given(words=st.lists(KIND_WORDS, max_size=6), with_daily=st.booleans())
def test_any_subscription_words_get_a_target_or_one_short_clear_error(words, with_daily):
    orgs = ORGS + [DAILY] if with_daily else ORGS
    try:
        target = read_subscription(orgs, " ".join(words))
    except CommandError as err:
        assert str(err) and len(str(err)) <= 600
        return
    assert set(target.alerts) <= set(ALERT_KINDS) and all(o in orgs for o in target.orgs)
    assert target.every or len(target.orgs) == 1
