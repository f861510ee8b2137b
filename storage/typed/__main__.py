"""`python -m storage.typed sqlite|postgres`: print the typed views' migration for one backend;
`python -m storage.typed docs`: rewrite the column tables of docs/DATA.md."""

import sys
from pathlib import Path

from storage.typed import docs, postgres, sqlite

if __name__ == "__main__":
    dialects = {"sqlite": sqlite.migration, "postgres": postgres.migration}
    if sys.argv[1:] == ["docs"]:
        docs.rewrite(Path("docs/DATA.md"))
    elif len(sys.argv) == 2 and sys.argv[1] in dialects:
        sys.stdout.write(dialects[sys.argv[1]]())
    else:
        sys.exit("usage: python -m storage.typed sqlite|postgres|docs")
