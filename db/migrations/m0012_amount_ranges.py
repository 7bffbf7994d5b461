"""Migration 12: amounts keep their range and approximation marks.

The NLP stage reads "de 2 à 3 milliards d'euros" as one amount with a lower bound (`value`) and
an upper one (`max`), and "près de 25 M€" as approximate; without these columns the marks
reached `veille analyze --json` but were lost on the way into the database.
"""

NUMBER = 12
NAME = "amount ranges and approximations"


def apply(db) -> None:
    db.executescript(
        """
        ALTER TABLE amounts ADD COLUMN max REAL;
        ALTER TABLE amounts ADD COLUMN is_range INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE amounts ADD COLUMN approx INTEGER NOT NULL DEFAULT 0;
        """
    )
