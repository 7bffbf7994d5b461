"""Where a URL's packets would go, and whether veille may send them there.

The one home of the private-destination rule (issue 13, item 2), shared by the crawler's
`PrivateDestinationMiddleware` and by `veille sources add` (`crawler.discover`): a request to a
loopback, private, link-local, unique-local, shared, reserved or multicast address is refused
unless its host:port is one the user named (a source's declared URLs, the URL given to
`sources add`). Plain functions of the standard library only, so both callers, one in Scrapy's
event loop and one in plain `urllib`, judge an address the same way.
"""
from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlparse

__all__ = ["host_port", "is_loopback", "is_private_address", "literal_address", "first_private",
           "private_address"]

# IPv6 forms that carry an IPv4 address inside: the IPv4 address is where the packets end up.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def host_port(url: str) -> tuple[str, int]:
    """(lower-case host without a final dot, port) of `url`, the port defaulted from the scheme."""
    parts = urlparse(url)
    try:
        port = parts.port
    except ValueError:  # a port out of range: no real destination, matches nothing
        port = -1
    # "news.example." and "news.example" are one host (the root label), for resolving and for matching
    return (parts.hostname or "").lower().rstrip("."), port or (443 if parts.scheme == "https" else 80)


def is_loopback(url: str) -> bool:
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, unique-local, shared, reserved or multicast addresses.

    IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible, 6to4 and NAT64 IPv6 addresses are judged by
    the IPv4 address they embed; anything unparsable counts as private (refused).
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and (ip in NAT64 or (ip in IPV4_COMPATIBLE and int(ip) > 1)):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_private_address(str(embedded))
    return not ip.is_global or ip.is_multicast


def literal_address(host: str) -> str | None:
    """The address itself when `host` is an IP literal (brackets allowed), else None: a name."""
    bare = host.strip("[]")
    try:
        ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        return None
    return bare


def first_private(addresses) -> str | None:
    """The first private address among `addresses`, or None when all are public."""
    return next((a for a in addresses if is_private_address(a)), None)


def private_address(host: str, port: int) -> str | None:
    """The first private address `host` resolves to (blocking lookup), or None when all are public.

    A name that does not resolve gives None: the fetch then fails on its own with a DNS error.
    """
    literal = literal_address(host)
    if literal is not None:
        return first_private([literal])
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return None
    return first_private(info[4][0] for info in infos)
