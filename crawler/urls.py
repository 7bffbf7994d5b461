"""URL canonicalisation: one key per article whatever tracking, AMP or slash variant links to it."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from.
TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|xtor|xtref|at_\w+|ito|cmpid|"
    r"ref|ref_src|source|share|amp|outputType|_ga|igshid|spm|s_cid|ncid|wt_\w+|oc)$",
    re.IGNORECASE,
)
AMP_PATH = re.compile(r"(/amp/?$|\.amp(?=\.html?$)|/amp(?=/))", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """The URL without fragment, tracking parameters, AMP markers, default port or trailing slash."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = AMP_PATH.sub("", parts.path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/")
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k))
    return urlunsplit((scheme, host, path, urlencode(query), ""))


def url_key(url: str) -> str:
    """The identity of an article URL: canonical, with http and https counted as one."""
    return canonical_url(url).split("://", 1)[-1]
