"""Slack: the `/xero` command, its buttons, and the Block Kit they speak. `handlers.slack.mount` wires it in.

Kept free of imports so `daemon.alerts` can use `handlers.slack.kit` without pulling in the app.
"""
