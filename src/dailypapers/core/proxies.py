"""The client's address when the hub runs behind reverse proxies.

Behind a proxy every request comes from the proxy's address, so per-IP limits would
count the whole site as one client. Each proxy appends the address it received the
request from to ``X-Forwarded-For``; anything to the left of what our own proxies
wrote was sent by the client and may be invented. ``DAILYPAPERS_TRUSTED_PROXIES``
says which entries to believe:

- unset, empty or ``0``: none; the header is ignored and the peer address is the client;
- a number N: N proxies in front of the hub; the client is the address the outermost
  one saw, N entries from the right of the chain ``X-Forwarded-For + [peer]``;
- a comma list of networks (``10.0.0.0/8, 192.0.2.7``): walking from the peer
  leftwards, addresses in these networks are proxies; the first one outside them
  is the client.

When the chain is shorter than the count, or an entry a trusted proxy wrote is not
an address, the nearest address that is known to be real is used instead.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from dailypapers.config import ConfigError

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Entries of X-Forwarded-For looked at, at most: a longer chain is an attack or a loop.
MAX_HOPS = 32


@dataclass(frozen=True)
class TrustedProxies:
    count: int = 0
    networks: tuple[Network, ...] = ()

    @property
    def enabled(self) -> bool:
        return bool(self.count or self.networks)

    def trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)


NONE = TrustedProxies()


def parse(value: str, name: str = "DAILYPAPERS_TRUSTED_PROXIES") -> TrustedProxies:
    """The setting's value as a count or networks; ConfigError says what is wrong."""
    value = value.strip()
    if not value:
        return NONE
    if value.isascii() and value.isdigit():
        count = int(value)
        if count > MAX_HOPS:
            raise ConfigError(f"{name}: at most {MAX_HOPS} proxies, got {count}")
        return TrustedProxies(count=count)
    networks = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"{name} must be a number of proxies or a comma list of addresses and"
                f" networks like 10.0.0.0/8; {item!r} is neither"
            ) from None
    return TrustedProxies(networks=tuple(networks))


def address(text: str) -> Address | None:
    """An address as proxies write it ("192.0.2.1", "[2001:db8::1]:443", "1.2.3.4:80")."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped:
        return found.ipv4_mapped
    return found


def client_address(peer: str, forwarded_for: str, trusted: TrustedProxies) -> str:
    """The client's address from the peer address and the X-Forwarded-For header."""
    if not trusted.enabled or not forwarded_for:
        return peer
    entries = forwarded_for.rsplit(",", MAX_HOPS)[-MAX_HOPS:]
    if trusted.count:
        if len(entries) < trusted.count:
            return peer
        found = address(entries[-trusted.count])
        return str(found) if found is not None else peer
    nearest = address(peer)
    if nearest is None or not trusted.trusts(nearest):
        return peer
    for entry in reversed(entries):
        found = address(entry)
        if found is None:
            break
        nearest = found
        if not trusted.trusts(found):
            break
    return str(nearest)
