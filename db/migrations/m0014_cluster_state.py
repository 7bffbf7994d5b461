"""Migration 14: the cluster writer's cursors (`veille cluster store`).

Two marks the writer keeps in the same database as what they describe, so they can never
disagree with it after a crash: the last finished-source report applied (reports add to
running totals, so one handled twice must be recognised), and the last article id handed to
the enrich stream.
"""

NUMBER = 14
NAME = "cluster writer state"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE cluster_state (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """
    )
