"""Slack's door: the `/xero` command and its buttons (`commands.py`, `actions.py`), on a slack-bolt app (`bolt.py`).
What the replies say lives with the rest of the Slack output, in `daemon/slack/`."""
