"""Migration 11: what the entity edit log and the entity clean-up still owe the rows.

- `edit_log_state`: how many lines of the edit log (`<db>.kb.jsonl`) the rows already follow.
  An edit appends its line (fsynced) before it changes the rows, and bumps this count in the
  rows' own transaction: a kill in between leaves a line the next replay applies, once.
- `pending_settle`: articles whose analysis is committed but whose entities were not yet
  settled (label votes, promotion). Filled in the analysis's own transaction, emptied when the
  votes ran, so an enrichment killed after its last commit is finished by the next one.
- an index on `entities.kb_id`: the store and the name resolver look entities up by it.
"""

NUMBER = 11
NAME = "entity edit log state, pending entity settlement, index on entities.kb_id"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS edit_log_state (
            log TEXT PRIMARY KEY,        -- file name of the edit log, next to the database
            applied INTEGER NOT NULL     -- lines of it already applied to the rows
        );
        CREATE TABLE IF NOT EXISTS pending_settle (
            article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE
        );
        CREATE INDEX IF NOT EXISTS idx_entities_kb_id ON entities(kb_id) WHERE kb_id IS NOT NULL;
        """
    )
