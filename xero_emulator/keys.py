"""Typed keys: the emulator state on the app, and fault marks on a request."""

from aiohttp import web

from .emulator import Emulator

EMULATOR = web.AppKey("xero_emulator", Emulator)

# Marks an injected fault leaves on a request for the handler and the call-recording middleware.
SLOW = web.RequestKey("xero_emulator.slow", float)          # wait this many clock seconds before answering
TRUNCATE = web.RequestKey("xero_emulator.truncate", bool)   # cut the body in half
DROPPED = web.RequestKey("xero_emulator.dropped", bool)     # the connection was closed unanswered
RESHAPE = web.RequestKey("xero_emulator.reshape", str)      # a valid-but-odd answer: "no_list", "no_pagination"
