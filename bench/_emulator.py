"""`python bench/_emulator.py [--app-minute-limit N] [--minute-limit N] <python -m xero_emulator arguments>`

The bundled emulator with its API limits set other than Xero's (EmulatorConfig has them; its command line does
not). Used by bench/many_orgs.py to put a 200-org cycle under the same app-limit pressure a much larger fleet would
meet under Xero's real 10,000 calls a minute.
"""

from __future__ import annotations

import argparse
import sys

import xero_emulator.__main__ as emulator_main


def main(argv: list[str]) -> int:
    ours = argparse.ArgumentParser(add_help=False)
    ours.add_argument("--app-minute-limit", type=int)
    ours.add_argument("--minute-limit", type=int)
    limits, rest = ours.parse_known_args(argv)
    build = emulator_main.build

    def build_with_limits(args):
        config, clock = build(args)
        if limits.app_minute_limit:
            config.app_minute_limit = limits.app_minute_limit
        if limits.minute_limit:
            config.minute_limit = limits.minute_limit
        return config, clock

    emulator_main.build = build_with_limits
    return emulator_main.main(rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
