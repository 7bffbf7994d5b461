"""The channel layer over Apprise, against real receivers on loopback (no transport mocks)."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from digests import atom, channels
from tests.alert_receivers import Webhook, closed_port, mailbox


@pytest.fixture
def webhook():
    hook = Webhook()
    yield hook
    hook.close()


def test_mail_reaches_a_local_smtp_server_with_html_and_key():
    with mailbox() as box:
        channels.deliver(box.url(), "[veille] OpenAI à Paris", "**OpenAI** ouvre un bureau",
                         html="<p><mark>OpenAI</mark> ouvre un bureau à Paris</p>", key="veille-1-42")
    assert len(box.messages) == 1
    msg = box.messages[0]
    assert msg["Subject"] == "[veille] OpenAI à Paris"
    assert msg["To"] == "analyst@example.org"
    assert msg[channels.KEY_HEADER] == "veille-1-42"
    assert "<mark>OpenAI</mark> ouvre un bureau à Paris" in box.texts()[0]


def test_json_webhook_reaches_a_local_receiver(webhook):
    channels.deliver(webhook.url(), "Bpifrance: 25 M€", "IA Booster **France 2030**", key="veille-2-7")
    assert len(webhook.received) == 1
    headers, body = webhook.received[0]
    assert body["title"] == "Bpifrance: 25 M€"
    assert "IA Booster **France 2030**" in body["message"]
    assert headers[channels.KEY_HEADER] == "veille-2-7"


def test_a_channel_that_is_down_raises_a_clear_error():
    with closed_port() as port:  # bound, not listening: connections are refused
        with pytest.raises(channels.DeliveryError) as err:
            channels.deliver(f"json://127.0.0.1:{port}/hook", "t", "b", timeout=2)
        assert f"127.0.0.1:{port}" in str(err.value) and "\n" not in str(err.value)
        with pytest.raises(channels.DeliveryError):
            channels.deliver(f"mailto://127.0.0.1:{port}?from=veille@example.org&to=a@example.org&secure=no",
                             "t", "b", timeout=2)


def test_an_http_error_is_a_delivery_error(webhook):
    webhook.mode = "error"
    with pytest.raises(channels.DeliveryError, match="not accepted"):
        channels.deliver(webhook.url(), "t", "b", timeout=2)


def test_a_hanging_webhook_is_cut_off_by_the_timeout(webhook):
    webhook.mode = "hang"
    with pytest.raises(channels.DeliveryError):
        channels.deliver(webhook.url(), "t", "b", timeout=1)
    assert webhook.received == []


@pytest.mark.parametrize("url", [
    "mailto://user:secret@smtp.example.org?to=team@example.org",
    "mailtos://user:secret@smtp.example.org?to=team@example.org",
    "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ",
    "workflows://prod-01.westeurope.logic.azure.com:443/a5b1ce70a9a54e10bc1a5d29e3f6ad4b/3b4a8d7e2f9c4e5a8b",
    "mmost://mattermost.example.org/3ccdd113474722377935511fc85d3dd4",
    "discord://123456789012345678/abcdefghijklmnopqrstuvwxyz0123456789ABCDEF",
    "tgram://123456789:abcdefg_hijklmnopqrstuvwxyz/-1001234567890",
    "ntfy://veille-alerts",
    "ntfys://ntfy.example.org/veille",
    "json://127.0.0.1:8080/hook",
    "jsons://hooks.example.org/veille",
])
def test_every_supported_channel_validates(url):
    assert channels.validate_url(url) == url


@pytest.mark.parametrize("url,expected", [
    ("bogus://example.org", "unknown scheme bogus://"),
    ("mailto://", "invalid notification URL"),
    ("team@example.org", "not a notification URL"),
    ("slack://onlyonetoken", "incomplete or malformed"),
    ("msteams://a/b/c", "workflows://"),
])
def test_invalid_urls_are_refused_with_a_reason(url, expected):
    with pytest.raises(channels.ChannelURLError, match=expected):
        channels.validate_url(url)


def test_redact_hides_secrets():
    shown = channels.redact("mailto://user:hunter22@smtp.example.org?to=team@example.org")
    assert "hunter22" not in shown and shown.startswith("mailto")


def test_atom_feed_is_well_formed_atom():
    entries = [atom.Entry(id="urn:veille:alert:1:2", title="OpenAI & Paris <bureau>",
                          link="http://127.0.0.1/a", updated="2025-07-24T09:00:00+00:00",
                          summary="OpenAI ouvre un bureau", author="La Gazette")]
    text = atom.feed(entries, lang=None, feed_id="urn:veille:alert:1", title="veille · openai")
    root = ET.fromstring(text.encode())
    ns = {"a": atom.ATOM}
    assert root.tag == f"{{{atom.ATOM}}}feed"
    assert root.find("a:id", ns).text == "urn:veille:alert:1"
    entry = root.find("a:entry", ns)
    assert entry.find("a:title", ns).text == "OpenAI & Paris <bureau>"
    assert entry.find("a:link", ns).get("href") == "http://127.0.0.1/a"
    assert entry.find("a:content", ns) is None  # an alert entry carries no content, a brief does
    assert root.find("a:updated", ns).text == "2025-07-24T09:00:00+00:00"


def test_a_send_that_drips_is_abandoned_and_its_process_killed():
    """The child process is killed at the deadline: the receiver sees its client go away."""
    from digests.sendworker import SendWorker

    hook = Webhook()
    hook.mode = "drip"
    # a byte every 0.2 s: Apprise's own per-read timeout (1 s) never fires, even on a loaded
    # machine, so only the parent's deadline can end this send
    hook.drip_every = 0.2
    try:
        with SendWorker() as worker:
            with pytest.raises(channels.DeliveryError, match="timed out|abandoned"):
                worker.send(hook.url(), "t", "b", timeout=1)
            assert hook.client_gone.wait(10)
            hook.mode = "ok"
            worker.send(hook.url(), "t2", "b2", timeout=5)  # a fresh child serves the next send
    finally:
        hook.close()
    assert [b["title"] for _, b in hook.received] == ["t2"]
