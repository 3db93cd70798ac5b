"""Downloading feeds concurrently: one client, a bounded number at once, hard limits on time, size, redirects.

A feed is somebody else's server. Every way it can misbehave (no answer, a slow drip, an endless body, a
redirect loop, an error status) ends as a `Download` with a readable `error`, never as an exception, so one
bad feed cannot stop the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Literal

import httpx

from generator.feeds.state import Validators

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
ACCEPT = "application/atom+xml, application/rss+xml, application/rdf+xml;q=0.9, application/xml;q=0.8, " \
         "text/xml;q=0.8, */*;q=0.1"


@dataclass(frozen=True)
class Download:
    url: str  # as listed in feeds.yml
    status: Literal["fetched", "not-modified", "failed"]
    body: bytes = b""
    final_url: str = ""  # after redirects: what relative links in the feed are relative to
    content_type: str | None = None
    validators: Validators | None = None  # to send next time
    error: str = ""
    moved_to: str | None = None  # where every redirect was permanent: the address to list instead
    seconds: float = 0.0


class TooLarge(Exception):
    pass


def user_agent(site_url: str) -> str:
    """Names the software and the hub fetching, so a feed's owner can tell who is asking and why."""
    try:
        version = metadata.version("agora")
    except metadata.PackageNotFoundError:
        version = "0"
    return f"Agora/{version} (+{site_url}; feed fetcher)"


def fetch_all(
    requests: Sequence[tuple[str, Validators | None]],
    *,
    timeout: float,
    concurrency: int,
    agent: str,
    on_done: Callable[[int, Download], None],
) -> list[Download]:
    """Download every (url, validators) pair, `concurrency` at a time; `on_done(index, download)` runs as each
    one finishes, in completion order. Returns the downloads in request order."""
    return asyncio.run(_fetch_all(requests, timeout, concurrency, agent, on_done))


async def _fetch_all(requests, timeout, concurrency, agent, on_done) -> list[Download]:
    gate = asyncio.Semaphore(concurrency)
    results: list[Download | None] = [None] * len(requests)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"User-Agent": agent, "Accept": ACCEPT}
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(timeout), limits=limits,
                                 follow_redirects=True, max_redirects=MAX_REDIRECTS) as client:

        async def one(index: int, url: str, validators: Validators | None) -> None:
            async with gate:
                download = await _download(client, url, validators, timeout)
            results[index] = download
            on_done(index, download)

        await asyncio.gather(*(one(i, url, v) for i, (url, v) in enumerate(requests)))
    return [r for r in results if r is not None]


async def _download(client: httpx.AsyncClient, url: str, validators: Validators | None,
                    timeout: float) -> Download:
    loop = asyncio.get_running_loop()
    started = loop.time()
    try:
        # httpx's timeout applies to each read; this one bounds the whole exchange, against a slow drip.
        async with asyncio.timeout(timeout):
            download = await _get(client, url, validators)
    except TimeoutError:
        download = _failed(url, f"no complete answer within {timeout:g} s")
    except httpx.TimeoutException:
        download = _failed(url, f"no answer within {timeout:g} s")
    except httpx.TooManyRedirects:
        download = _failed(url, f"more than {MAX_REDIRECTS} redirects")
    except httpx.UnsupportedProtocol as exc:
        download = _failed(url, f"redirected to an address that is not http(s) ({exc})")
    except httpx.ConnectError as exc:
        download = _failed(url, f"could not connect ({exc or 'connection failed'})")
    except TooLarge:
        download = _failed(url, f"larger than {MAX_BYTES // (1024 * 1024)} MB; not read further")
    except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
        download = _failed(url, f"{type(exc).__name__}: {exc}")
    except (OSError, ValueError) as exc:  # below httpx: a socket error it does not wrap, an unencodable host
        download = _failed(url, f"{type(exc).__name__}: {exc}")
    return Download(**{**vars(download), "seconds": loop.time() - started})


def _failed(url: str, error: str) -> Download:
    return Download(url, "failed", error=error)


async def _get(client: httpx.AsyncClient, url: str, validators: Validators | None) -> Download:
    headers = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    async with client.stream("GET", url, headers=headers) as response:
        final = str(response.url)
        moved = final if response.history and all(r.status_code in (301, 308) for r in response.history) \
            else None
        if response.status_code == 304 and headers:
            return Download(url, "not-modified", final_url=final, validators=validators, moved_to=moved)
        if not 200 <= response.status_code < 300 or response.status_code == 204:
            reason = f" {response.reason_phrase}" if response.reason_phrase else ""
            return _failed(url, f"HTTP {response.status_code}{reason}")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_BYTES:
            raise TooLarge
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > MAX_BYTES:
                raise TooLarge
            chunks.append(chunk)
        fresh = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        return Download(url, "fetched", b"".join(chunks), final, response.headers.get("Content-Type"),
                        fresh, moved_to=moved)
