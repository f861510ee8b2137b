"""Typed views: one relational view per synced entity (and per list of lines inside one), derived from the stored
records' JSON on both backends. `columns.py` says what each view holds; `sqlite.py` and `postgres.py` write it as
SQL; `python -m storage.typed <dialect>` prints the migration (docs/DATA.md documents the result)."""
