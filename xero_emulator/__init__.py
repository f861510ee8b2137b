"""A Xero stand-in for tests, benchmarks and demos: identity, connections, the Accounting API, limits, faults,
webhooks, and a control API. See `create_app` and `Emulator`."""

from .app import create_app, serve
from .config import EmulatorConfig
from .emulator import Call, Emulator
from .keys import EMULATOR

__all__ = ["EMULATOR", "Call", "Emulator", "EmulatorConfig", "create_app", "serve"]
