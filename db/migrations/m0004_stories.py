"""Migration 4: stories (clusters of articles, linked across weeks) and the briefs written."""

NUMBER = 4
NAME = "stories, story_articles, digests"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            week TEXT NOT NULL,                  -- ISO week of the brief that found it
            key TEXT NOT NULL,                   -- stable within a week: smallest article id
            title TEXT NOT NULL,
            continues INTEGER REFERENCES stories(id) ON DELETE SET NULL,
            centroid BLOB,                       -- float32 mean of article vectors, L2-normalised
            model TEXT,                          -- embedding model of the centroid
            score REAL,
            created_at TEXT NOT NULL,
            UNIQUE (week, key)
        );
        CREATE INDEX idx_stories_week ON stories(week);
        CREATE TABLE story_articles (
            story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            PRIMARY KEY (story_id, article_id)
        );
        CREATE INDEX idx_story_articles_article ON story_articles(article_id);
        CREATE TABLE digests (
            id INTEGER PRIMARY KEY,
            week TEXT NOT NULL,
            lang TEXT NOT NULL,
            title TEXT NOT NULL,
            json TEXT NOT NULL,                  -- the brief's JSON contract, for the Atom feed
            html TEXT,
            created_at TEXT NOT NULL,
            UNIQUE (week, lang)
        );
        """
    )
