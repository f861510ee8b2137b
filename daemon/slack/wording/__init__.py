"""Every word the app says in Slack, in one place: command replies (`replies.py`), status and connection tests
(`status.py`), and the alerts posted to a channel (`alerts.py`). Each function returns a `Reply` (Block Kit plus
the plain-text fallback) and decides nothing."""
