"""Find code repositories and project pages mentioned in abstracts and comments."""

from __future__ import annotations

import re

_URL_RE = re.compile(r"https?://[^\s<>\"'{}|\\^`\]]+", re.IGNORECASE)
_BARE_CODE_RE = re.compile(
    r"(?<![\w/.])(?:www\.)?(github\.com|gitlab\.com|codeberg\.org)/[\w.-]+/[\w.-]+", re.IGNORECASE
)
_CODE_HOST_RE = re.compile(
    r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)"
    r"/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+)",
    re.IGNORECASE,
)
_NOT_PROJECT = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:arxiv\.org|doi\.org|dx\.doi\.org|creativecommons\.org)(?:/|$)",
    re.IGNORECASE,
)
_NOT_REPO_OWNERS = {"features", "topics", "orgs", "sponsors", "marketplace", "about"}
_TRAILING = ".,;:!?)]}'\""


def _urls(text: str) -> list[str]:
    found = [m.group(0) for m in _URL_RE.finditer(text)]
    found += ["https://" + m.group(0) for m in _BARE_CODE_RE.finditer(text)]
    cleaned = []
    for url in found:
        url = url.rstrip(_TRAILING)
        # A closing parenthesis belongs to the URL only if it opened one.
        while url.endswith(")") and url.count("(") < url.count(")"):
            url = url[:-1].rstrip(_TRAILING)
        cleaned.append(url)
    return cleaned


def code_url(url: str) -> str | None:
    """The canonical ``https://host/owner/repo`` for a code-hosting URL, else None."""
    match = _CODE_HOST_RE.match(url)
    if not match or match["owner"].lower() in _NOT_REPO_OWNERS:
        return None
    repo = match["repo"].removesuffix(".git")
    if not repo or repo in {".", ".."}:
        return None
    host = url.split("/")[2].lower().removeprefix("www.")
    return f"https://{host}/{match['owner']}/{repo}"


def extract(*texts: str) -> tuple[str, str]:
    """(code repository, project page) found in the texts; empty strings when absent."""
    code = project = ""
    for text in texts:
        for url in _urls(text or ""):
            repo = code_url(url)
            if repo:
                code = code or repo
            elif not project and not _NOT_PROJECT.match(url):
                project = url
    return code, project
