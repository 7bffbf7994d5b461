"""Migration 9: delivery stages, dead alerts, a brief outbox, and channel secrets out of the database.

- `outbox.status` gains the stages of a send: `claimed` (taken by a run, nothing sent yet:
  retried if the run dies) and `handing` (given to the channel: possibly delivered, so
  `in_doubt` if the run dies), and `dead` (failed for longer than veille keeps retrying).
  The old `sending` rows become `handing`: nothing recorded how far they got, so they keep
  the old cautious reading. SQLite cannot change a CHECK constraint in place, so the table is
  rebuilt; its attempts are set aside first, since dropping the old table would cascade to them.
- `brief_outbox`: briefs sent with `veille digest --send`, with the message as rendered, so a
  channel that was down gets the brief on a later run.
- Notification URLs move to `<db>.secrets.json` (see `db.credentials`); the column keeps the
  reference. `secure_delete` zeroes the freed pages, so the old text does not linger in the file.
"""

NUMBER = 9
NAME = "delivery stages, dead alerts, brief outbox, secrets out of the database"

STATUSES = "'pending', 'claimed', 'handing', 'sent', 'failed', 'in_doubt', 'dead', 'feed'"

OUTBOX = f"""
CREATE TABLE outbox_new (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    why TEXT NOT NULL DEFAULT '{{}}',
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({STATUSES})),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claim TEXT,                          -- token of the delivery run holding the row
    sent_at TEXT,
    last_error TEXT,
    UNIQUE (subscription_id, article_id)
);
INSERT INTO outbox_new (id, subscription_id, article_id, why, created_at, due_at, status, attempts,
                        next_attempt_at, claim, sent_at, last_error)
    SELECT id, subscription_id, article_id, why, created_at, due_at,
           CASE status WHEN 'sending' THEN 'handing' ELSE status END,
           attempts, next_attempt_at, claim, sent_at, last_error FROM outbox;
CREATE TEMP TABLE attempts_copy AS SELECT * FROM delivery_attempts;
DROP TABLE delivery_attempts;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX idx_outbox_status ON outbox(status, next_attempt_at);
CREATE INDEX idx_outbox_article ON outbox(article_id);
CREATE INDEX idx_outbox_claim ON outbox(claim);
CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY,
    outbox_id INTEGER NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    claim TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    outcome TEXT,                        -- NULL while in flight; sent | failed | retried | in_doubt | dead
    error TEXT
);
INSERT INTO delivery_attempts SELECT * FROM attempts_copy;
DROP TABLE attempts_copy;
CREATE INDEX idx_attempts_outbox ON delivery_attempts(outbox_id);
CREATE TABLE brief_outbox (
    id INTEGER PRIMARY KEY,
    notify TEXT NOT NULL,                -- a reference to the channel URL (db.credentials), never the URL
    key TEXT NOT NULL,                   -- the message id, the same on every attempt
    title TEXT NOT NULL,
    markdown TEXT NOT NULL,
    html TEXT,
    attachments TEXT NOT NULL DEFAULT '[]',  -- JSON [{"name", "base64"}]: the brief's charts
    created_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ({STATUSES})),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    claim TEXT,
    sent_at TEXT,
    last_error TEXT
);
CREATE INDEX idx_brief_outbox_status ON brief_outbox(status, next_attempt_at);
"""


def apply(db) -> None:
    from db import credentials

    db.executescript(OUTBOX)
    rows = db.conn.execute("SELECT id, notify FROM subscriptions WHERE notify IS NOT NULL").fetchall()
    moved = [(credentials.put(db.conn, notify), sid) for sid, notify in rows if not credentials.is_reference(notify)]
    if moved:
        db.conn.execute("PRAGMA secure_delete = ON")
        db.conn.executemany("UPDATE subscriptions SET notify = ? WHERE id = ?", moved)
