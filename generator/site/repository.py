"""Links into the community's repository, from MkDocs' `repo_url` and `edit_uri`: edit a content file, or create
the translation a page lacks.

MkDocs' `edit_uri` leads to `docs_dir` (`edit/main/docs/`); Agora's content sits beside it at the repository's
root, so the docs folder at its end is dropped. Without `repo_url` there are no links; without `edit_uri`, MkDocs'
own default for the host applies (GitHub and GitLab: `edit/master/docs/`), as it would for Material's button.
Creating a file needs the host's "new file" page, which GitHub (`new/<branch>/<folder>?filename=`) and GitLab
(`-/new/<branch>/<folder>?file_name=`) have at the same place as their editors; elsewhere there is no such link.
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote, urljoin, urlsplit

from generator.config import Settings

DEFAULT_EDIT_URI = {"github.com": "edit/master/docs/", "gitlab.com": "edit/master/docs/",
                    "bitbucket.org": "src/default/docs/"}


def _root_uri(settings: Settings) -> str | None:
    """`edit_uri` for the repository's root, ending in '/'."""
    if not settings.repo_url:
        return None
    uri = settings.edit_uri
    if uri is None:
        uri = DEFAULT_EDIT_URI.get(urlsplit(settings.repo_url).netloc.lower())
    if not uri or "?" in uri or "#" in uri:  # (a query-string editor, such as Bitbucket's ?mode=edit: not handled)
        return None
    uri = uri.rstrip("/") + "/"
    docs = (settings.mkdocs_dirs[0] if settings.mkdocs_dirs else "docs").strip("/")
    return uri.removesuffix(docs + "/") if uri.endswith("/" + docs + "/") or uri == docs + "/" else uri


def _absolute(settings: Settings, uri: str) -> str:
    return urljoin(settings.repo_url.rstrip("/") + "/", uri)  # type: ignore[union-attr]


def edit_url(settings: Settings, path: str) -> str | None:
    """Where the file at `path` (from the repository root, e.g. `content/pages/about.pl.md`) is edited."""
    root = _root_uri(settings)
    return _absolute(settings, root + quote(path)) if root is not None else None


def create_url(settings: Settings, path: str) -> str | None:
    """Where the file at `path`, which does not exist yet, is created, when the host has such a page."""
    root = _root_uri(settings)
    if root is None:
        return None
    folder, name = posixpath.split(path)
    for editor, creator, field in (("-/edit/", "-/new/", "file_name"), ("edit/", "new/", "filename")):
        head, found, branch = root.partition(editor)
        if found and (not head or head.endswith("/")):
            return _absolute(settings, f"{head}{creator}{branch}{quote(folder)}?{field}={quote(name)}")
    return None
