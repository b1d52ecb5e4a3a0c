"""Which URLs a party may reach: https, or plain http to its own machine for development."""

from __future__ import annotations

from urllib.parse import urlsplit

# Loopback names accepted for plain http (a service tested on 127.0.0.1 without certificates).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def is_https_or_loopback(url: str) -> bool:
    """True for an https URL with a host, or an http URL whose host is a loopback name."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https":
        return bool(host)
    return parts.scheme == "http" and host in LOOPBACK_HOSTS


__all__ = ["LOOPBACK_HOSTS", "is_https_or_loopback"]
