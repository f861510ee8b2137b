"""The files in deploy/: the Slack app manifests, the example settings, the systemd unit and the container file."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

from daemon.core.settings import VARIABLES, Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
EVENTS_URL = "https://YOUR-HOST/slack/events"


def _manifest(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text())


def test_manifest_names_the_command_and_the_events_url():
    manifest = _manifest("slack-app-manifest.yaml")
    commands = manifest["features"]["slash_commands"]
    assert [c["command"] for c in commands] == ["/xero"]
    assert commands[0]["url"] == EVENTS_URL
    assert manifest["settings"]["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert {"commands", "chat:write"} <= set(manifest["oauth_config"]["scopes"]["bot"])


def test_socket_mode_manifest_needs_no_public_url():
    manifest = _manifest("slack-app-manifest.socket-mode.yaml")
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/xero"]
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert "YOUR-HOST" not in (DEPLOY / "slack-app-manifest.socket-mode.yaml").read_text().split("display_information")[1]


def _example_settings() -> list[tuple[str, list[str]]]:
    """(variable, the comment lines just above it) for each `NAME=` or `#NAME=` line of the example file."""
    found, comments = [], []
    for line in (DEPLOY / "xero-syncd.env.example").read_text().splitlines():
        match = re.match(r"^#?([A-Z][A-Z0-9_]*)=", line)
        if match:
            found.append((match.group(1), comments))
            comments = []
        elif line.startswith("# "):
            comments.append(line)
        else:
            comments = []
    return found


def test_example_settings_name_every_variable_the_settings_read_and_nothing_else():
    names = [name for name, _ in _example_settings()]
    assert len(names) == len(set(names)), "a variable is listed twice"
    assert set(names) == set(VARIABLES)


def test_every_example_setting_has_a_comment():
    assert [name for name, comments in _example_settings() if not comments] == []


def test_example_defaults_are_the_defaults_the_settings_use():
    text = (DEPLOY / "xero-syncd.env.example").read_text()
    for name, (default, _) in VARIABLES.items():
        if default:
            assert f"#{name}={default}\n" in text, name
    derived = Settings.from_env({"XERO_CLIENT_ID": "i", "XERO_CLIENT_SECRET": "s", "SLACK_SIGNING_SECRET": "s"})
    assert f"#XERO_SCOPES={' '.join(derived.xero_scopes)}\n" in text  # the scopes the default entities need


@pytest.fixture
def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / "xero-syncd.service").read_text())
    return parser


def test_systemd_unit_restarts_keeps_state_and_reads_an_environment_file(unit):
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["StateDirectory"] == "xero-syncd"
    assert service["EnvironmentFile"].startswith("/etc/xero-syncd/")
    assert "/var/lib/xero-syncd/" in service["Environment"]
    assert service["ExecStart"].endswith("xero-syncd run --no-demo")  # a missing setting fails, never a demo
    assert service["User"] != "root" and service["NoNewPrivileges"] == "yes"


def test_container_runs_as_a_non_root_user_with_the_data_folder_as_a_volume():
    text = (DEPLOY / "Containerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and not users[-1].startswith(("root", "0"))
    assert 'VOLUME ["/data"]' in text and "DATABASE_URL=sqlite:////data/" in text
    assert re.search(r'^CMD \["run", "--no-demo"\]', text, re.M) and 'ENTRYPOINT ["xero-syncd"]' in text


def test_readme_leads_with_the_two_commands_and_lists_every_setting():
    readme = (DEPLOY.parent / "README.md").read_text()
    first_block = readme.split("```")[1]
    assert "make run" in first_block and "make test" in first_block
    table = {m.group(1) for m in re.finditer(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.M)}
    assert table == set(VARIABLES)


def test_compose_runs_replicas_on_postgresql_behind_one_address():
    import yaml

    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    db, daemon, proxy = services["postgres"], services["xero-syncd"], services["proxy"]
    assert db["image"].split("/")[-1].startswith("postgres:") and "healthcheck" in db
    assert daemon["deploy"]["replicas"] >= 2 and daemon["build"]["dockerfile"] == "deploy/Containerfile"
    env = daemon["environment"]
    assert env["DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["DATABASE_URL"]
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # one key for every replica, never generated per replica
    assert daemon["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "ports" not in daemon and proxy["ports"] == ["8080:8080"]  # one address: the proxy
    [conf] = [v.split(":")[0] for v in proxy["volumes"]]
    assert "proxy_pass http://$replicas:8080" in (DEPLOY / conf).read_text()


def test_the_manifests_and_the_readme_list_every_command_as_the_daemon_reads_it():
    from handlers.slack.commands import COMMANDS

    readme = (DEPLOY.parent / "README.md").read_text()
    for name in ("slack-app-manifest.yaml", "slack-app-manifest.socket-mode.yaml"):
        hint = _manifest(name)["features"]["slash_commands"][0]["usage_hint"]
        assert hint.split(" | ") == [c.usage for c in COMMANDS.values()], name
    for command in COMMANDS.values():
        usage = command.usage.replace("|", "\\|")  # a table cell's | is escaped
        assert f"| `/xero {usage}` | {'admins' if command.admin else 'anyone'} |" in readme, command.usage


def test_both_manifests_declare_the_home_tab_and_its_event():
    for name in ("slack-app-manifest.yaml", "slack-app-manifest.socket-mode.yaml"):
        manifest = _manifest(name)
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True, name
        assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened"], name
        assert manifest["settings"]["interactivity"]["is_enabled"] is True, name
    assert _manifest("slack-app-manifest.yaml")["settings"]["event_subscriptions"]["request_url"] == EVENTS_URL
