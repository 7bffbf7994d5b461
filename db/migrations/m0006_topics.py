"""Migration 6: watch-topic scores per article, the article's relevance and its on/off-topic mark.

Off-topic articles are kept (a later change of topics may bring them back) and only marked, so
briefs and alerts can leave them out without losing them.
"""

NUMBER = 6
NAME = "article_topics, articles.relevance, articles.on_topic"


def apply(db) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS article_topics (
            article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
            topic TEXT NOT NULL,
            score REAL NOT NULL,              -- 0..1: embeddings and keywords combined
            PRIMARY KEY (article_id, topic)
        ) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS idx_article_topics_topic ON article_topics(topic, score);
        ALTER TABLE articles ADD COLUMN relevance REAL;        -- best topic score; NULL = not scored
        ALTER TABLE articles ADD COLUMN on_topic INTEGER;      -- 1 on a watch topic, 0 off-topic, NULL = not scored
        CREATE INDEX IF NOT EXISTS idx_articles_relevance ON articles(on_topic, relevance);
        """
    )
