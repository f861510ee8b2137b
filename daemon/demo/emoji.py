"""Slack's emoji codes as the characters Slack shows, for the demo console.

Every `:code:` the app's wording uses must be here (tests/test_console.py reads `daemon/slack/` and fails naming
any code missing), and the common status emoji are here too, so new wording renders on the first try.
"""

from __future__ import annotations

EMOJI: dict[str, str] = {
    # states and outcomes
    "white_check_mark": "✅", "heavy_check_mark": "✔️", "ballot_box_with_check": "☑️", "x": "❌",
    "negative_squared_cross_mark": "❎", "warning": "⚠️", "rotating_light": "🚨", "no_entry": "⛔",
    "no_entry_sign": "🚫", "exclamation": "❗", "heavy_exclamation_mark": "❗", "question": "❓",
    "grey_question": "❔", "bangbang": "‼️", "information_source": "ℹ️", "sos": "🆘", "boom": "💥", "fire": "🔥",
    "face_with_head_bandage": "🤕", "tada": "🎉", "sparkles": "✨", "wave": "👋", "eyes": "👀", "+1": "👍",
    "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "ok_hand": "👌", "raised_hands": "🙌", "pray": "🙏",
    "shield": "🛡️", "construction": "🚧", "zzz": "💤", "skull": "💀", "ghost": "👻", "robot_face": "🤖",
    "thinking_face": "🤔", "new": "🆕", "ok": "🆗", "up": "🆙", "cool": "🆒", "free": "🆓", "100": "💯",
    # coloured dots and shapes
    "large_green_circle": "🟢", "green_circle": "🟢", "red_circle": "🔴", "large_red_circle": "🔴",
    "large_yellow_circle": "🟡", "yellow_circle": "🟡", "large_orange_circle": "🟠", "orange_circle": "🟠",
    "large_blue_circle": "🔵", "blue_circle": "🔵", "large_purple_circle": "🟣", "purple_circle": "🟣",
    "large_brown_circle": "🟤", "white_circle": "⚪", "black_circle": "⚫", "radio_button": "🔘",
    "large_green_square": "🟩", "large_red_square": "🟥", "large_yellow_square": "🟨", "large_blue_square": "🟦",
    "large_orange_square": "🟧", "white_large_square": "⬜", "black_large_square": "⬛",
    "small_blue_diamond": "🔹", "small_orange_diamond": "🔸", "large_blue_diamond": "🔷",
    "large_orange_diamond": "🔶", "heavy_minus_sign": "➖", "heavy_plus_sign": "➕", "heavy_division_sign": "➗",
    "heavy_multiplication_x": "✖️", "white_small_square": "▫️", "black_small_square": "▪️",
    # media controls and arrows
    "arrow_forward": "▶️", "arrow_backward": "◀️", "fast_forward": "⏩", "rewind": "⏪", "double_vertical_bar": "⏸️",
    "pause_button": "⏸️", "black_square_for_stop": "⏹️", "stop_button": "⏹️", "record_button": "⏺️",
    "black_right_pointing_double_triangle_with_vertical_bar": "⏭️", "next_track_button": "⏭️",
    "previous_track_button": "⏮️", "play_or_pause_button": "⏯️", "repeat": "🔁", "repeat_one": "🔂",
    "twisted_rightwards_arrows": "🔀", "arrows_counterclockwise": "🔄", "arrows_clockwise": "🔃",
    "arrow_right": "➡️", "arrow_left": "⬅️", "arrow_up": "⬆️", "arrow_down": "⬇️", "arrow_upper_right": "↗️",
    "arrow_lower_right": "↘️", "arrow_heading_up": "⤴️", "arrow_heading_down": "⤵️", "leftwards_arrow_with_hook": "↩️",
    "arrow_right_hook": "↪️", "back": "🔙", "end": "🔚", "on": "🔛", "soon": "🔜", "top": "🔝",
    # time
    "hourglass": "⌛", "hourglass_flowing_sand": "⏳", "stopwatch": "⏱️", "timer_clock": "⏲️", "alarm_clock": "⏰",
    "clock1": "🕐", "clock3": "🕒", "clock9": "🕘", "clock12": "🕛", "watch": "⌚", "calendar": "📆", "date": "📅",
    "spiral_calendar_pad": "🗓️", "spiral_calendar": "🗓️", "mantelpiece_clock": "🕰️",
    # people
    "busts_in_silhouette": "👥", "bust_in_silhouette": "👤", "man": "👨", "woman": "👩", "technologist": "🧑‍💻",
    "office_worker": "🧑‍💼", "raising_hand": "🙋", "male-technologist": "👨‍💻", "female-technologist": "👩‍💻",
    # documents and office
    "clipboard": "📋", "inbox_tray": "📥", "outbox_tray": "📤", "scroll": "📜", "memo": "📝", "pencil": "📝",
    "pencil2": "✏️", "page_facing_up": "📄", "page_with_curl": "📃", "bookmark_tabs": "📑", "books": "📚",
    "book": "📖", "ledger": "📒", "notebook": "📓", "card_index": "📇", "file_folder": "📁",
    "open_file_folder": "📂", "card_index_dividers": "🗂️", "file_cabinet": "🗄️", "wastebasket": "🗑️",
    "pushpin": "📌", "round_pushpin": "📍", "paperclip": "📎", "link": "🔗", "label": "🏷️", "bookmark": "🔖",
    "receipt": "🧾", "moneybag": "💰", "money_with_wings": "💸", "dollar": "💵", "pound": "💷", "euro": "💶",
    "yen": "💴", "credit_card": "💳", "heavy_dollar_sign": "💲", "bank": "🏦", "office": "🏢",
    "chart_with_upwards_trend": "📈", "chart_with_downwards_trend": "📉", "bar_chart": "📊", "chart": "💹",
    "abacus": "🧮", "package": "📦", "email": "📧", "envelope": "✉️", "incoming_envelope": "📨",
    "envelope_with_arrow": "📩", "mailbox": "📫", "mailbox_with_mail": "📬", "postbox": "📮", "newspaper": "📰",
    # tools, machines, security
    "hammer_and_wrench": "🛠️", "wrench": "🔧", "hammer": "🔨", "gear": "⚙️", "nut_and_bolt": "🔩",
    "toolbox": "🧰", "electric_plug": "🔌", "battery": "🔋", "bulb": "💡", "mag": "🔍", "mag_right": "🔎",
    "lock": "🔒", "unlock": "🔓", "closed_lock_with_key": "🔐", "lock_with_ink_pen": "🔏", "key": "🔑",
    "old_key": "🗝️", "computer": "💻", "desktop_computer": "🖥️", "floppy_disk": "💾", "cd": "💿",
    "satellite_antenna": "📡", "signal_strength": "📶", "globe_with_meridians": "🌐", "cloud": "☁️",
    "zap": "⚡", "rocket": "🚀", "traffic_light": "🚥", "vertical_traffic_light": "🚦", "checkered_flag": "🏁",
    "triangular_flag_on_post": "🚩", "white_flag": "🏳️", "dart": "🎯",
    # talking
    "bell": "🔔", "no_bell": "🔕", "loudspeaker": "📢", "mega": "📣", "speech_balloon": "💬",
    "thought_balloon": "💭", "left_speech_bubble": "🗨️", "thread": "🧵", "mute": "🔇", "sound": "🔉",
    "speaker": "🔈", "loud_sound": "🔊", "point_right": "👉", "point_left": "👈", "point_up": "☝️",
    "point_down": "👇", "raised_hand": "✋", "handshake": "🤝",
    # growing, weather, misc
    "seedling": "🌱", "herb": "🌿", "deciduous_tree": "🌳", "sunny": "☀️", "sun_with_face": "🌞",
    "rainbow": "🌈", "snowflake": "❄️", "umbrella": "☔", "ice_cube": "🧊", "coffee": "☕", "cake": "🍰",
    "bread": "🍞", "croissant": "🥐", "recycle": "♻️", "infinity": "♾️",
    "star": "⭐", "star2": "🌟", "dizzy": "💫", "trophy": "🏆", "medal": "🏅", "crown": "👑", "gem": "💎",
    "stop_sign": "🛑", "octagonal_sign": "🛑", "beginner": "🔰", "trident": "🔱",
    "heavy_large_circle": "⭕", "o": "⭕", "zero": "0️⃣", "one": "1️⃣", "two": "2️⃣",
    "three": "3️⃣", "four": "4️⃣", "five": "5️⃣", "six": "6️⃣", "seven": "7️⃣", "eight": "8️⃣", "nine": "9️⃣",
    "keycap_ten": "🔟", "hash": "#️⃣", "asterisk": "*️⃣", "flag-nz": "🇳🇿", "flag-gb": "🇬🇧", "flag-au": "🇦🇺",
    "flag-us": "🇺🇸", "flag-ca": "🇨🇦", "earth_asia": "🌏", "earth_africa": "🌍", "earth_americas": "🌎",
}
