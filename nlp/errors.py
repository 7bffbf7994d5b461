"""The one base exception of veille.

`nlp` is the bottom layer (db, digests and crawler may all import it, it imports none of
them), so the base lives here. Every library error derives from `VeilleError`; the CLI turns
any of them into one message at one place and a non-zero exit, the way sqlite-utils does.
"""
from __future__ import annotations


class VeilleError(Exception):
    """A failure the user can act on: the message says what is wrong and what would work."""
