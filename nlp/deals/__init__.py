"""Deals: who partners with, invests in, buys, funds or opens a site where.

`find_deals(analysis, kb)` reads an `Analysis` (entities, money amounts, dates, sentences)
with the language's trigger lexicon (`nlp/data/deals/<code>.toml`) and returns `Deal` records:
kind, status (announced | reported), parties with roles, the amount tied to the deal, its date
and the sentence that tells it. Figures that are no deal (market sizes, revenues, valuations,
forecasts, a plan's own budget) give no deal.
"""
from nlp.deals.extract import find_deals, sentence_bounds
from nlp.deals.lexicon import KINDS

ROLES = ("partner", "investor", "recipient", "buyer", "target", "funder", "place")

__all__ = ["KINDS", "ROLES", "find_deals", "sentence_bounds"]
