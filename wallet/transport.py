"""The wallet's HTTP adapter over httpx: bounded bodies, errors as ``HonninError``.

The transport is injectable (``httpx.AsyncClient(transport=...)``), so tests point the
wallet at in-process issuer and verifier apps with ``httpx.ASGITransport``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from specs.encoding import parse_json
from specs.errors import LimitExceeded, MalformedInput, NotFound
from specs.limits import DEFAULT_LIMITS, Limits

DEFAULT_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A bounded HTTP reply: status, content type and body bytes."""

    status: int
    content_type: str
    body: bytes

    def json(self, what: str, limits: Limits = DEFAULT_LIMITS) -> Any:
        """The body as strict JSON."""
        return parse_json(self.body, what=what, limits=limits)


class WalletHttp:
    """GET and POST with a body-size cap; network failures raise ``NotFound``."""

    def __init__(self, client: httpx.AsyncClient, limits: Limits = DEFAULT_LIMITS) -> None:
        self._client = client
        self._limits = limits

    async def _send(self, request: httpx.Request) -> HttpReply:
        cap = self._limits.max_request_bytes
        try:
            response = await self._client.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise NotFound(f"could not reach {request.url}: {exc}") from exc
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise LimitExceeded(f"the reply from {request.url} is larger than {cap} bytes")
                chunks.append(chunk)
        finally:
            await response.aclose()
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        return HttpReply(response.status_code, content_type, b"".join(chunks))

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> HttpReply:
        """GET ``url`` (``timeout`` in seconds overrides the client's own)."""
        if timeout is None:
            return await self._send(self._client.build_request("GET", url, headers=headers))
        return await self._send(
            self._client.build_request("GET", url, headers=headers, timeout=timeout)
        )

    async def post_form(
        self, url: str, form: Mapping[str, str], *, headers: Mapping[str, str] | None = None
    ) -> HttpReply:
        """POST ``application/x-www-form-urlencoded``."""
        return await self._send(
            self._client.build_request("POST", url, data=dict(form), headers=headers)
        )

    async def post_json(
        self, url: str, body: Any, *, headers: Mapping[str, str] | None = None
    ) -> HttpReply:
        """POST a JSON body."""
        return await self._send(self._client.build_request("POST", url, json=body, headers=headers))


def expect_ok(reply: HttpReply, url: str, what: str) -> HttpReply:
    """Raise ``MalformedInput`` with the server's error when the status is not 2xx."""
    if 200 <= reply.status < 300:
        return reply
    detail = reply.body[:300].decode("utf-8", "replace")
    raise MalformedInput(f"{what} at {url} answered HTTP {reply.status}: {detail}")


__all__ = ["HttpReply", "WalletHttp", "expect_ok"]
