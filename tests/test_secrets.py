"""Secrets never reach a log line: tokens, codes, client and signing secrets, through a whole connect, sync,
refresh and failure."""

import io

from daemon.core import logs


async def test_no_secret_in_any_log_line(daemon, emulator, settings):
    out = io.StringIO()
    logs.configure("debug", json=True, file=out, cache=False)
    try:
        await daemon.connect(emulator)
        await daemon.advance(0)
        await daemon.advance(3600)
        await daemon.advance(3600)  # the second hourly sync is past the first token's 30 minutes: a refresh
        emulator.state.revoke_grant()
        await daemon.advance(3600)  # invalid_grant: logged as a failure
        tenant = emulator.state.tenants[0].tenant_id
        grant = await daemon.store.grants.get((await daemon.store.orgs.get(tenant)).grant_id)
    finally:
        logs.configure("warning", json=False, cache=False)
    text = out.getvalue()
    assert "xero.token_refreshed" in text and "sync.run_finished" in text  # the log did capture the story
    secrets = [grant.tokens.access_token, grant.tokens.refresh_token, settings.xero_client_secret,
               settings.slack_signing_secret, *settings.secret_key]
    for secret in secrets:
        assert secret not in text
