"""Compatibility names for code written before the query modules were split by subject.

The reads live in `db.reads` (brief, alerts, stats), `db.filters`, `db.search`,
`db.entity_lookup`, `db.entity_queries`, `db.rankings`, `db.amount_queries` and `db.exports`.
This module only re-exports what the alert messages (`digests/alerts`) and the deals branch
import from here, so those can move to the new homes on their own schedule; new code imports
from the homes.
"""
from db.amount_queries import amounts
from db.entity_queries import entity_profile, find_entity, resolve_entity
from db.filters import Filters, QueryError, article_clause, iso_week
from db.reads import amounts_of, articles_between, latest_published, mentions_of, rows

__all__ = ["Filters", "QueryError", "amounts", "amounts_of", "article_clause", "articles_between", "entity_profile",
           "find_entity", "iso_week", "latest_published", "mentions_of", "resolve_entity", "rows"]
