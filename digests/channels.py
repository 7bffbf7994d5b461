"""Delivery channels: one Apprise URL per channel, shared by alerts and briefs.

`deliver()` either returns (the channel accepted the
message) or raises `DeliveryError` with one line saying why; it never hangs longer than its
timeout. Supported URLs are Apprise's (https://github.com/caronc/apprise/wiki), among them:

    mailtos://user:pass@smtp.example.org:587?from=veille@example.org&to=team@example.org
    slack://TokenA/TokenB/TokenC/#channel      mmost://host/token
    workflows://host/workflow/signature        (Microsoft Teams, through Power Automate)
    discord://webhook_id/webhook_token         tgram://bot_token/chat_id
    ntfy://topic   ntfys://host/topic          json://host/path   jsons://host/path
"""
from __future__ import annotations

import logging

from nlp.errors import VeilleError

log = logging.getLogger(__name__)

# Receivers that can read headers (mail, JSON webhooks) get this one per message, the same on
# every retry, so they can drop a copy of a message they already have.
KEY_HEADER = "X-Veille-Alert-Id"

# Schemes users still copy from older guides, and what replaced them.
RENAMED = {"msteams": "Microsoft Teams takes a Power Automate URL: workflows://host/workflow/signature"}
EXAMPLES = ("mailtos://user:pass@smtp.example.org:587?from=veille@example.org&to=team@example.org", "slack://TokenA/TokenB/TokenC",
            "ntfy://my-topic", "jsons://hooks.example.org/veille")


class DeliveryError(VeilleError, RuntimeError):
    """A channel did not accept a message; the text says which channel and why."""


class ChannelURLError(VeilleError, ValueError):
    """A notification URL that no channel understands."""


def _instantiate(url: str):
    import apprise

    if not isinstance(url, str) or "://" not in url:
        raise ChannelURLError(f"not a notification URL: {url!r} (expected e.g. {EXAMPLES[0]})")
    plugin = apprise.Apprise.instantiate(url.strip())
    if plugin is None:
        scheme = url.split("://", 1)[0]
        known = scheme.lower() in _schemes()
        why = "its details are incomplete or malformed" if known else f"unknown scheme {scheme}://"
        if scheme.lower() in RENAMED:
            raise ChannelURLError(f"invalid notification URL {redact(url)}: {RENAMED[scheme.lower()]}")
        raise ChannelURLError(f"invalid notification URL {redact(url)}: {why} (e.g. {', '.join(EXAMPLES)})")
    return plugin


def _schemes() -> set[str]:
    import apprise

    out: set[str] = set()
    for d in apprise.Apprise().details().get("schemas", []):
        for key in ("protocols", "secure_protocols"):
            v = d.get(key) or ()
            out.update([v] if isinstance(v, str) else v)
    return out


def validate_url(url: str) -> str:
    """The URL as given, once Apprise can build a channel from it; raises ChannelURLError."""
    _instantiate(url)
    return url.strip()


def redact(url: str) -> str:
    """The URL with its secrets masked, fit for logs and listings (an `env:NAME` reference as is)."""
    if url.startswith("env:"):
        return url
    try:
        import apprise

        plugin = apprise.Apprise.instantiate(url)
        if plugin is not None:
            return plugin.url(privacy=True).split("?", 1)[0]
    except Exception:  # noqa: BLE001 - a listing must never fail on one odd URL
        pass
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…" if rest else url


def deliver(url: str, title: str, body: str, *, html: str | None = None,
            attachments: list[str] | None = None, timeout: float = 10, key: str | None = None) -> None:
    """Nothing: sends one message to one channel, or raises DeliveryError.

    `body` is Markdown (chat channels render it, mail gets it as HTML and text); `html`, when
    given, replaces it for channels that take HTML (mail). `key` is a stable message id sent
    as the `X-Veille-Alert-Id` header where the channel carries headers. `timeout` bounds
    connecting, reading and the whole call.
    """
    import apprise
    from apprise import NotifyFormat

    try:
        plugin = _instantiate(url)
    except ChannelURLError as exc:
        raise DeliveryError(str(exc)) from None
    plugin.socket_connect_timeout = min(float(plugin.socket_connect_timeout), timeout)
    plugin.socket_read_timeout = min(float(plugin.socket_read_timeout), timeout)
    if key and isinstance(getattr(plugin, "headers", None), dict):
        plugin.headers[KEY_HEADER] = key
    text, fmt = body, NotifyFormat.MARKDOWN
    if html is not None and _takes_html(plugin):
        text, fmt = html, NotifyFormat.HTML
    sender = apprise.Apprise()
    sender.add(plugin)
    attach = None
    if attachments:
        attach = apprise.AppriseAttachment()
        for path in attachments:
            if not attach.add(path):
                raise DeliveryError(f"cannot attach {path}")
    try:
        result = sender.notify(body=text, title=title, body_format=fmt, attach=attach, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - a plugin bug is one failed delivery, not a crash
        raise DeliveryError(f"{redact(url)}: {type(exc).__name__}: {exc}") from None
    if not result:
        raise DeliveryError(f"{redact(url)}: {_why(result)}")
    log.info("delivered %r to %s", title, redact(url))


def _takes_html(plugin) -> bool:
    # Apprise 2 lists the formats a plugin takes and resolves ours to its best one; older
    # releases hold a single format.
    resolve = getattr(plugin, "resolve_format", None)
    if resolve is not None:
        from apprise import NotifyFormat

        return resolve(NotifyFormat.MARKDOWN) == NotifyFormat.HTML
    return str(getattr(plugin, "notify_format", "")) == "html"


def _why(result) -> str:
    status = getattr(getattr(result, "status", None), "name", "FAILURE")
    messages = []
    try:
        messages = [e.message for e in result.logs() if e.level in ("WARNING", "ERROR")]
    except Exception:  # noqa: BLE001 - older Apprise results carry no logs
        pass
    reason = "timed out" if status == "TIMEOUT" else "not accepted"
    return f"{reason}" + (f": {messages[-1]}" if messages else "")
