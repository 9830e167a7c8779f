"""``/papers/<id>.md``: a paper as Markdown, what ``HfApi.read_paper`` and
``hf papers read`` fetch from the Hugging Face Hub.

The upstream serves the paper page as Markdown: title, authors, links and the
abstract (and the full text where it has one). The hub has no full text, so the
document ends with the abstract and, when there is one, the AI summary.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from dailypapers.api.views import public_read
from dailypapers.core import arxiv_ids
from dailypapers.core.pagecache import cached_for_everyone
from dailypapers.papers import queries
from dailypapers.papers.models import Paper

CONTENT_TYPE = "text/markdown; charset=utf-8"
# Characters that would make HTML or links of imported text; LaTeX (backslashes,
# underscores, asterisks) is left as written, which is how people read abstracts.
_MARKUP = str.maketrans({c: f"\\{c}" for c in "[]<>"})


def _text(value: str) -> str:
    """Text for one Markdown line: HTML and link brackets escaped."""
    return " ".join(value.split()).translate(_MARKUP)


def _link(label: str, url: str) -> str:
    return f"- {label}: <{url.replace('>', '%3E').replace(' ', '%20')}>"


def render(paper: Paper) -> str:
    authors = [a.name for a in paper.authors.all()]
    lines = [f"# {_text(paper.title)}", ""]
    if authors:
        lines += [f"**Authors:** {_text(', '.join(authors))}", ""]
    facts = []
    if paper.published_at:
        facts.append(f"**Published:** {paper.published_at:%Y-%m-%d}")
    submission = getattr(paper, "submission", None)
    if submission is not None and not submission.hidden:
        facts.append(f"**Submitted to the daily list:** {submission.submitted_at:%Y-%m-%d}")
    facts.append(f"**Upvotes:** {paper.upvotes}")
    if paper.organization:
        facts.append(f"**Organization:** {_text(paper.organization.name)}")
    lines += [" · ".join(facts), ""]
    lines.append(_link("Paper page", f"{settings.BASE_URL}/papers/{paper.arxiv_id}"))
    lines.append(_link("arXiv", paper.arxiv_url))
    lines.append(_link("PDF", paper.pdf_url))
    if paper.github_repo:
        lines.append(_link("Code", paper.github_repo))
    if paper.project_page:
        lines.append(_link("Project page", paper.project_page))
    lines.append("")
    if paper.abstract:
        paragraphs = [_text(p) for p in paper.abstract.split("\n") if p.strip()]
        lines += ["## Abstract", "", "\n\n".join(paragraphs), ""]
    if paper.ai_summary:
        lines += ["## AI summary", "", _text(paper.ai_summary), ""]
        if paper.ai_keywords:
            lines += [f"**Keywords:** {_text(', '.join(paper.ai_keywords))}", ""]
    return "\n".join(lines)


def _plain(message: str, status: int) -> HttpResponse:
    return HttpResponse(message + "\n", status=status, content_type="text/plain; charset=utf-8")


@public_read
@cached_for_everyone
def paper_markdown(request: HttpRequest, ref: str) -> HttpResponse:
    parsed = arxiv_ids.parse(ref)
    if parsed is None:
        return _plain(f"{ref[:100]!r} is not an arXiv id", 404)
    found = queries.paper(parsed.id)
    if found is None:
        return _plain(f"no paper {parsed.id} on this hub", 404)
    return HttpResponse(render(found), content_type=CONTENT_TYPE)
