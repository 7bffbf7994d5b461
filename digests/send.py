"""Send a brief through the outbox shared with alerts: queued first, so a channel that is down
gets it on a later run (`veille run`, `veille alerts run`), like an alert."""
from __future__ import annotations

import base64
import logging
from datetime import datetime

from db import credentials, outbox
from digests.brief import Digest
from digests.clock import iso, utc
from digests.render import render, render_html, title_of

log = logging.getLogger(__name__)


def queue_brief(db, digest: Digest, url: str, *, now: datetime | None = None) -> int:
    """The outbox id of the brief, rendered for the channel `url` (kept apart: db.credentials).

    Mail gets the HTML brief (charts inline as data URIs) with the charts also attached as PNG
    files, since some webmails (Gmail) hide data-URI images; chat channels get the Markdown.
    """
    html, images = render_html(digest, images="data")
    files = [{"name": f"{img['cid']}.png", "base64": base64.b64encode(img["png"]).decode()} for img in images]
    return outbox.queue_brief(db, notify=credentials.put(db.conn, url), key=f"veille-brief-{digest.lang}-{digest.week}",
                              title=title_of(digest), markdown=render(digest, "md"), html=html,
                              attachments=files, ts=iso(utc(now)))


def send_brief(db, digest: Digest, url: str, *, timeout: float = 30) -> str | None:
    """None once the brief was delivered to `url`, else why not (it stays queued and is retried).

    Waits for the delivery lock while another run holds it, up to a few timeouts.
    """
    from digests.delivery import deliver_due

    bid = queue_brief(db, digest, url)
    report = deliver_due(db, timeout=timeout, only_brief=bid, lock_wait=3 * timeout)
    if report.briefs_sent:
        return None
    row = outbox.brief(db, bid)
    return (row["last_error"] if row else None) or "; ".join(report.errors) or "not delivered"
