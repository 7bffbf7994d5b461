"""Numbered schema migrations, one module each: `mNNNN_name.py` with NUMBER, NAME and apply(db).

`apply` receives the database inside an open transaction; use `db.executescript(sql)` (split
into statements so the transaction holds) or `db.conn.execute`. Never edit a released migration.
"""
