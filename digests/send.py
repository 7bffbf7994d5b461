"""Send a brief through the channel layer shared with alerts (mail, chat webhooks)."""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from digests.brief import Digest
from digests.render import render, render_html, title_of

log = logging.getLogger(__name__)


def send_brief(digest: Digest, url: str, *, timeout: float = 30) -> None:
    """Nothing: delivers the brief to the channel `url`, or raises channels.DeliveryError.

    Mail gets the HTML brief (charts inline as data URIs) with the charts also attached as PNG
    files, since some webmails (Gmail) hide data-URI images; chat channels get the Markdown.
    """
    from digests.channels import deliver

    html, images = render_html(digest, images="data")
    with tempfile.TemporaryDirectory(prefix="veille-brief-") as tmp:
        paths = []
        for img in images:
            p = Path(tmp) / f"{img['cid']}.png"
            p.write_bytes(img["png"])
            paths.append(str(p))
        deliver(url, title_of(digest), render(digest, "md"), html=html, attachments=paths or None,
                timeout=timeout, key=f"veille-brief-{digest.lang}-{digest.week}")
