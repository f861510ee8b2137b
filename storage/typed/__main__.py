"""`python -m storage.typed sqlite|postgres`: print the typed views' migration for one backend."""

import sys

from storage.typed import postgres, sqlite

if __name__ == "__main__":
    dialects = {"sqlite": sqlite.migration, "postgres": postgres.migration}
    if len(sys.argv) != 2 or sys.argv[1] not in dialects:
        sys.exit("usage: python -m storage.typed sqlite|postgres")
    sys.stdout.write(dialects[sys.argv[1]]())
