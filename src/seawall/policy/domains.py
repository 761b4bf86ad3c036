"""Network destinations: the host of a URL (or a bare host), normalised for matching.

Lower-case, trailing dot dropped, port and credentials dropped, internationalised names in their
IDNA (punycode) form, so a look-alike such as `exаmple.com` (Cyrillic а) never equals `example.com`.
A policy entry `example.com` covers the domain and its subdomains; `*.example.com` only subdomains.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def host_of(target: str) -> str:
    """The normalised host of a URL or host name; ValueError when there is none."""
    t = target.strip()
    if "://" not in t:
        t = "//" + t
    try:
        host = urlsplit(t).hostname
    except ValueError as exc:
        raise ValueError(f"not a URL or host name ({exc})") from None
    if not host:
        raise ValueError("no host in the URL")
    host = host.rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("host name is not a valid internationalised domain name") from None
    return host


def normal_entry(entry: str) -> str:
    e = entry.strip().lower().rstrip(".")
    if e.startswith("*."):
        return "*." + host_of(e[2:])
    return host_of(e)


def domain_matches(host: str, entry: str) -> bool:
    """`host` (normalised) is covered by the policy entry (normalised)."""
    if entry.startswith("*."):
        return host.endswith(entry[1:])
    return host == entry or host.endswith("." + entry)
