"""Settings: the DESIGN.md table, validated with a clear error naming the variable."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.core.errors import SettingsError
from daemon.core.settings import VARIABLES, Settings, read_dotenv

BASE = {"XERO_CLIENT_ID": "id", "XERO_CLIENT_SECRET": "secret", "SLACK_SIGNING_SECRET": "s"}
DESIGN_SCOPES = ("openid profile email offline_access accounting.contacts.read accounting.invoices.read "
                 "accounting.payments.read accounting.settings.read")


def test_defaults_match_the_design_table():
    s = Settings.from_env(BASE)
    assert s.xero_scopes == tuple(DESIGN_SCOPES.split())  # derived from the default entities
    assert s.xero_authorize_url == "https://login.xero.com/identity/connect/authorize"
    assert s.xero_token_url == "https://identity.xero.com/connect/token"
    assert s.xero_revoke_url == "https://identity.xero.com/connect/revocation"
    assert s.xero_connections_url == "https://api.xero.com/connections"
    assert s.xero_api_url == "https://api.xero.com/api.xro/2.0"
    assert s.slack_api_url == "https://slack.com/api/"
    assert (s.host, s.port, s.public_url) == ("127.0.0.1", 8080, "http://localhost:8080")
    assert s.redirect_uri == "http://localhost:8080/oauth/callback"
    assert s.database_url == "sqlite:///var/xero-syncd.db" and str(s.data_dir) == "var"
    assert s.sync_interval == 3600 and s.slack_admin_users == ()
    assert "Invoices" in s.sync_entities and len(s.sync_entities) == 11


def test_the_scopes_asked_follow_the_entities_synced():
    s = Settings.from_env({**BASE, "SYNC_ENTITIES": "Organisation,Contacts"})
    assert s.xero_scopes == ("openid", "profile", "email", "offline_access", "accounting.contacts.read",
                             "accounting.settings.read")
    chosen = Settings.from_env({**BASE, "SYNC_ENTITIES": "Contacts", "XERO_SCOPES": "offline_access accounting.contacts"})
    assert chosen.xero_scopes == ("offline_access", "accounting.contacts")  # set explicitly: taken as given


def test_every_variable_of_the_design_table_is_read():
    design = {"XERO_CLIENT_ID", "XERO_CLIENT_SECRET", "XERO_SCOPES", "XERO_AUTHORIZE_URL", "XERO_TOKEN_URL",
              "XERO_REVOKE_URL", "XERO_CONNECTIONS_URL", "XERO_API_URL", "XERO_WEBHOOK_KEY", "SLACK_BOT_TOKEN",
              "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL", "SLACK_ALERT_CHANNEL", "SLACK_ADMIN_USERS",
              "PUBLIC_URL", "HOST", "PORT", "DATABASE_URL", "SECRET_KEY", "SYNC_INTERVAL"}
    assert design <= set(VARIABLES)


@pytest.mark.parametrize(
    ("variable", "value", "words"),
    [
        ("XERO_CLIENT_ID", "", "required"),
        ("PORT", "eighty", "whole number"),
        ("PORT", "70000", "between"),
        ("SYNC_INTERVAL", "0", "between"),
        ("XERO_API_URL", "ftp://x", "http(s) URL"),
        ("DATABASE_URL", "mysql://x", "sqlite:///"),
        ("XERO_SCOPES", "openid accounting.invoices.read", "offline_access"),
        ("SYNC_ENTITIES", "Invoices,Widgets", "Widgets"),
        ("LOG_LEVEL", "loud", "one of"),
    ],
)
def test_a_bad_value_names_the_variable(variable, value, words):
    with pytest.raises(SettingsError) as err:
        Settings.from_env({**BASE, variable: value})
    assert err.value.variable == variable
    assert str(err.value).startswith(variable) and words in str(err.value)


def test_lists_and_dotenv(tmp_path):
    s = Settings.from_env({**BASE, "SLACK_ADMIN_USERS": "U1, U2,", "SECRET_KEY": "new,old"})
    assert s.slack_admin_users == ("U1", "U2") and s.secret_key == ("new", "old")
    env = tmp_path / ".env"
    env.write_text("# comment\nexport XERO_CLIENT_ID='abc'\nPORT=9000\n\nnonsense\n")
    assert read_dotenv(env) == {"XERO_CLIENT_ID": "abc", "PORT": "9000"}


def test_an_entity_a_grant_cannot_read_is_named_with_the_scope_it_needs():
    from daemon.core.entities import missing_scopes

    chosen = ("Contacts", "Invoices", "Items", "BankTransactions", "Journals")
    granted = "openid offline_access accounting.contacts.read accounting.invoices.read"
    assert missing_scopes(chosen, granted) == {"BankTransactions": "accounting.banktransactions.read",
                                               "Journals": "accounting.journals.read"}
    assert missing_scopes(chosen, "accounting.transactions accounting.contacts accounting.settings "
                                  "accounting.journals.read") == {}  # the broad scopes of older apps
    assert missing_scopes(("Items",), "accounting.invoices") == {}  # items: invoices or settings
    assert missing_scopes(chosen, "") == {}  # not known: nothing is assumed missing


def test_grant_keepalive_days_defaults_to_30():
    assert Settings.from_env(BASE).grant_keepalive_days == 30


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.integers(-10**6, 10**6).map(str), st.text(max_size=12)))
def test_grant_keepalive_days_is_a_whole_number_of_days_below_xeros_60_or_a_clear_error(raw):
    """Any text: a whole number from 1 to 59 (spaces around it allowed) is taken; blank means the default; anything
    else is refused naming GRANT_KEEPALIVE_DAYS and, for a number out of range, why."""
    try:
        days = Settings.from_env({**BASE, "GRANT_KEEPALIVE_DAYS": raw}).grant_keepalive_days
    except SettingsError as err:
        assert err.variable == "GRANT_KEEPALIVE_DAYS" and str(err).startswith("GRANT_KEEPALIVE_DAYS must be")
        try:
            number = int(raw.strip())
        except ValueError:
            return
        assert not 1 <= number <= 59 and "Xero ends a grant unused for 60" in str(err)
        return
    if raw.strip() == "":
        assert days == 30
    else:
        assert days == int(raw.strip()) and 1 <= days <= 59
