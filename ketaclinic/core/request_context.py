"""Where a request came from (IP address, request id), available to the audit trail.

The acting user is always passed explicitly to services; the source IP and the request id are
ambient facts of the request, so middleware puts them in a context variable rather than threading
them through every call.
"""

from __future__ import annotations

import contextvars
import ipaddress
import uuid
from dataclasses import dataclass

from django.http import HttpRequest


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    source_ip: str | None


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "ketaclinic_request_context", default=None
)


def current_request_context() -> RequestContext | None:
    return _current.get()


def set_request_context(context: RequestContext | None) -> contextvars.Token[RequestContext | None]:
    return _current.set(context)


def reset_request_context(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)


def client_ip(request: HttpRequest, *, trusted_proxy_count: int) -> str | None:
    """The client's IP: REMOTE_ADDR, or the address the trusted proxies report."""
    if trusted_proxy_count > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= trusted_proxy_count:
            return hops[-trusted_proxy_count]
    remote_addr: str | None = request.META.get("REMOTE_ADDR")
    return remote_addr or None


def address_bucket(raw: str | None) -> str | None:
    """The address a rate limit counts: an IPv4 address, or an IPv6 /64 (by its first address);
    None when there is none that parses. One IPv6 household or phone holds a whole /64, so
    changing addresses inside it must not escape a limit; an IPv4-mapped IPv6 address is the
    IPv4 client itself."""
    try:
        address = ipaddress.ip_address(raw or "")
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def new_request_id(incoming: str | None) -> str:
    """Keep a load balancer's request id when it is sane; otherwise mint one."""
    if incoming and len(incoming) <= 64 and all(c.isalnum() or c in "-_." for c in incoming):
        return incoming
    return uuid.uuid4().hex
