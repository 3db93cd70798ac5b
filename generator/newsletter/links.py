"""How an issue's links are written: absolute with UTM tags in the e-mail, plain in the web copy.

Every hub link starts as a path relative to the site root (from `generator.urls`, with the language prefix);
a `Linker` turns it into the URL one rendering needs. Links the editor writes in a note go through `resolve`
first, so a relative link in a note means the same page in the e-mail, the web copy and the feed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from generator.config import Settings


def utm_parameters(settings: Settings, issue_id: str, number: int) -> dict[str, str]:
    """The UTM tags of one issue, from the `newsletter.utm_*` settings (`{id}`/`{number}` filled in)."""
    options = settings.options.newsletter
    return {
        "utm_source": options.utm_source,
        "utm_medium": options.utm_medium,
        "utm_campaign": options.utm_campaign.replace("{id}", issue_id).replace("{number}", str(number)),
    }


def add_query(url: str, parameters: Mapping[str, str]) -> str:
    """`url` with `parameters` set in its query (replacing any of the same name), its fragment kept.

    >>> add_query("https://x.org/a/?p=2#top", {"utm_source": "newsletter"})
    'https://x.org/a/?p=2&utm_source=newsletter#top'
    """
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in parameters]
    query = urlencode([*kept, *parameters.items()], quote_via=quote)
    return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class Linker:
    """Writes hub links for one rendering.

    `site_url` is the published address (`https://…/`); `base` is what replaces it in the output (the same
    address for e-mail and feeds, or e.g. `../../` for a page that links relatively); `query` holds the
    parameters appended to every hub link (UTM tags in the e-mail, nothing on the web).
    """

    site_url: str
    base: str
    query: Mapping[str, str]

    def __call__(self, path: str) -> str:
        """A hub page, given as a path relative to the site root (`sv/posts/hello/`)."""
        return self.rewrite(self.site_url + path)

    def rewrite(self, url: str) -> str:
        """An absolute URL as this rendering writes it: hub links rebased and tagged, others untouched."""
        if not is_hub(url, self.site_url):
            return url
        tagged = add_query(url, self.query) if self.query else url
        return self.base + tagged[len(self.site_url):]


def is_hub(url: str, site_url: str) -> bool:
    return url.startswith(site_url) or url == site_url.rstrip("/")


def resolve(href: str, page_url: str) -> str:
    """An editor's link made absolute against the page it is written on (the issue's language home)."""
    return urljoin(page_url, href.strip())


def problem_with(url: str) -> str | None:
    """Why `url` (already resolved) may not appear in an issue, or None when it may."""
    scheme = urlsplit(url).scheme
    if scheme != "https":
        return f"expected an https:// link (e-mail links must be absolute and secure), got {url!r}"
    if not urlsplit(url).hostname:
        return f"expected a link with a host name, got {url!r}"
    return None
