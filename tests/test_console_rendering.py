"""What the demo console shows for the app's messages: every emoji code the wording uses, and Slack's date tokens
as a reader sees them (in the terminal's time zone, relative to the console's clock)."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.demo.emoji import EMOJI
from daemon.demo.render import Renderer

ROOT = Path(__file__).resolve().parent.parent
WORDING = [*sorted((ROOT / "daemon" / "slack" / "wording").glob("*.py")), ROOT / "daemon" / "slack" / "blocks.py"]
CODE = re.compile(r":([a-z0-9_+\-]*[a-z][a-z0-9_+\-]*):")


def emoji_codes(path: Path) -> set[str]:
    """The `:code:`s in a module's string literals (f-strings' text included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    texts = [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]
    return {code for text in texts for code in CODE.findall(text)}


def test_the_console_renders_every_emoji_the_wording_uses():
    used = {path.relative_to(ROOT).as_posix(): emoji_codes(path) for path in WORDING}
    assert any(used.values()), "no emoji found: has the wording moved?"
    missing = {f":{code}: (in {where})" for where, codes in used.items() for code in codes if code not in EMOJI}
    assert not missing, "daemon/demo/emoji.py lacks " + ", ".join(sorted(missing))


def test_emoji_codes_become_characters_when_the_terminal_can_print_them():
    message = {"text": ":rewind: :double_vertical_bar: :arrow_forward: :white_check_mark: :no_such_code: 10:30:00"}
    assert Renderer(emoji=True).message(message) == ["⏪ ⏸️ ▶️ ✅ :no_such_code: 10:30:00"]
    assert Renderer(emoji=False).message(message) == [message["text"]]


EPOCH = int(datetime(2014, 2, 18, 14, 39, 42, tzinfo=UTC).timestamp())  # Slack's documentation's example


@pytest.mark.parametrize("fmt, utc, auckland", [
    ("{date_num}", "2014-02-18", "2014-02-19"),
    ("{date}", "February 18th, 2014", "February 19th, 2014"),
    ("{date_short}", "Feb 18, 2014", "Feb 19, 2014"),
    ("{date_long}", "Tuesday, February 18th, 2014", "Wednesday, February 19th, 2014"),
    ("{date_pretty}", "today", "tomorrow"),
    ("{date_short_pretty}", "today", "tomorrow"),
    ("{date_long_pretty}", "today", "tomorrow"),
    ("{time}", "2:39 PM", "3:39 AM"),
    ("{time_secs}", "2:39:42 PM", "3:39:42 AM"),
    ("{ago}", "in 4 hours", "in 4 hours"),
    ("Since {date_num} @ {time}", "Since 2014-02-18 @ 2:39 PM", "Since 2014-02-19 @ 3:39 AM"),
])
def test_slack_date_tokens_read_as_slack_shows_them(fmt, utc, auckland):
    now = datetime(2014, 2, 18, 10, 0, tzinfo=UTC).timestamp()  # 11 pm in Auckland (UTC+13): still the 18th there
    token = f"<!date^{EPOCH}^{fmt}|fallback text>"
    assert Renderer(now=lambda: now, tz=UTC).mrkdwn(token) == utc
    assert Renderer(now=lambda: now, tz=ZoneInfo("Pacific/Auckland")).mrkdwn(token) == auckland


@pytest.mark.parametrize("seconds, said", [
    (0, "just now"), (-30, "in under a minute"), (59, "just now"), (3 * 60, "3 minutes ago"),
    (3600, "1 hour ago"), (-2 * 3600 - 5, "in 2 hours"), (26 * 3600, "1 day ago"), (40 * 86400, "1 month ago"),
    (800 * 86400, "2 years ago"),
])
def test_ago_is_relative_to_the_consoles_clock(seconds, said):
    render = Renderer(now=lambda: EPOCH + seconds, tz=UTC)
    assert render.mrkdwn(f"<!date^{EPOCH}^{{ago}}|x>") == said


def test_a_date_token_slack_could_not_read_shows_its_fallback():
    render = Renderer(tz=UTC)
    assert render.mrkdwn("<!date^soon^{date_num}|Feb 18th>") == "Feb 18th"
    assert render.mrkdwn(f"<!date^{EPOCH}^{{date_num}}^https://example.com/x|Feb 18th>") == "2014-02-18"
    assert render.mrkdwn(f"<!date^{EPOCH}^{{date}} at {{unknown}}|x>") == "February 18th, 2014 at {unknown}"
