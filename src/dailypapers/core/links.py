"""Find code repositories and project pages mentioned in abstracts and comments."""

from __future__ import annotations

import re

_URL_CHARS = r"[^\s<>\"'{}|\\^`\[\]]"
# Lower-case schemes are the rule in abstracts, and a case-sensitive pattern is an
# order of magnitude faster; the case-insensitive one only runs when it would find more.
_URL_RE = re.compile(rf"https?://{_URL_CHARS}+")
_ANY_CASE_URL_RE = re.compile(rf"https?://{_URL_CHARS}+", re.IGNORECASE)
# Without a scheme, only links that cannot be mistaken for anything else.
_BARE_RE = re.compile(
    rf"(?<![\w/.@-])(?:(?:www\.)?(?:github\.com|gitlab\.com|codeberg\.org)/[\w.-]+/[\w.-]+"
    rf"|[\w-]+\.github\.io(?:/{_URL_CHARS}*)?)",
    re.IGNORECASE,
)
_BARE_HINTS = ("github.com", "gitlab.com", "codeberg.org", "github.io")
_CODE_HOST_RE = re.compile(
    r"^https?://(?:www\.)?(?P<host>github\.com|gitlab\.com|codeberg\.org|bitbucket\.org)"
    r"(?:/(?P<owner>[\w.-]+)(?:/(?P<repo>[\w.-]+))?)?",
    re.IGNORECASE,
)
# Links that are in abstracts for other reasons than being the paper's page: other
# papers, DOIs, licences, videos, and models or data sets on the hub.
_NOT_PROJECT_RE = re.compile(
    r"^https?://(?:[\w-]+\.)*(?:arxiv\.org|doi\.org|creativecommons\.org|opensource\.org"
    r"|youtube\.com|youtu\.be)(?:[/:?#]|$)"
    r"|^https?://(?:www\.)?huggingface\.co/(?!spaces/)"
    r"|/licen[cs]e",
    re.IGNORECASE,
)
_NOT_REPO_OWNERS = {
    "about",
    "collections",
    "enterprise",
    "features",
    "login",
    "marketplace",
    "orgs",
    "settings",
    "sponsors",
    "topics",
    "users",
}
# A scheme, a host name (any script) with an optional port, then anything printable
# that is not a space; no user:password@ part.
_SAFE_URL_RE = re.compile(
    r"[hH][tT][tT][pP][sS]?://[\w-]+(?:\.[\w-]+)*\.?(?::[0-9]{1,5})?(?:[/?#]\S*)?"
)
_TRAILING = ".,;:!?]}'\"*~"
MAX_URL_LENGTH = 1000
MAX_CODE_URL_LENGTH = 500


def _tidy(url: str) -> str:
    """Drop the punctuation that ends the sentence around a URL."""
    while True:
        tidy = url.rstrip(_TRAILING)
        # A closing parenthesis belongs to the URL only if it closes one the URL opened.
        if tidy.endswith(")") and tidy.count("(") < tidy.count(")"):
            tidy = tidy[:-1]
        if tidy == url:
            return url
        url = tidy


def _urls(text: str) -> list[str]:
    """URLs in ``text``, in the order they appear."""
    lowered = text.lower()
    found: list[tuple[int, str]] = []
    if "://" in text:
        pattern = _URL_RE
        if lowered.count("http") != text.count("http"):
            pattern = _ANY_CASE_URL_RE
        found += [(m.start(), m.group(0)) for m in pattern.finditer(text)]
    if any(hint in lowered for hint in _BARE_HINTS):
        found += [(m.start(), "https://" + m.group(0)) for m in _BARE_RE.finditer(text)]
        found.sort()
    return [_tidy(url) for _, url in found]


def code_url(url: str) -> str | None:
    """The canonical ``https://host/owner/repo`` for a code-hosting URL, else None."""
    match = _CODE_HOST_RE.match(url)
    if not match or not match["repo"] or match["owner"].lower() in _NOT_REPO_OWNERS:
        return None
    repo = match["repo"].removesuffix(".git")
    if not repo.strip("."):
        return None
    canonical = f"https://{match['host'].lower()}/{match['owner']}/{repo}"
    return canonical if len(canonical) <= MAX_CODE_URL_LENGTH else None


def _is_code_host(url: str) -> bool:
    return _CODE_HOST_RE.match(url) is not None


def safe_url(value: object, max_length: int = MAX_URL_LENGTH) -> str:
    """``value`` when it is an http(s) URL with a host that fits, else "".

    Imported links end up in ``href`` attributes, so anything else (``javascript:``,
    relative paths, text with spaces) is dropped rather than shown.
    """
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if len(url) > max_length or not _SAFE_URL_RE.fullmatch(url) or not url.isprintable():
        return ""
    return url


def extract(*texts: str) -> tuple[str, str]:
    """(code repository, project page) found in the texts; empty strings when absent."""
    code = project = ""
    for text in texts:
        if not text:
            continue
        for url in _urls(text):
            repo = code_url(url)
            if repo:
                code = code or repo
            elif not project and not _is_code_host(url) and not _NOT_PROJECT_RE.search(url):
                project = safe_url(url)
            if code and project:
                return code, project
    return code, project
