"""Collection pages, their exports and the forms that change them. Thin: parse, call, render.

A private collection does not exist for anyone but its owner: its pages, exports
and forms answer 404. Someone else's public collection can be read, not changed (403).
Every write is rate-limited per user and per client IP (429 with Retry-After).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dailypapers.community import bibtex
from dailypapers.community.collection_forms import CollectionForm, clean_name
from dailypapers.community.models import Collection
from dailypapers.community.queries import collections as queries
from dailypapers.community.services import collections as services
from dailypapers.config import Rate
from dailypapers.core import ratelimit
from dailypapers.core.params import optional_int, page_number
from dailypapers.core.redirects import safe_next
from dailypapers.core.web import not_found, paper_or_404, too_many, too_many_page
from dailypapers.papers import queries as paper_queries

PAGE_SIZE = 50
# Writes per user, per client IP, and the window in seconds.
DEFAULT_RATE_LIMIT = Rate(per_account=60, per_ip=300, seconds=600)


def _viewer(request: HttpRequest) -> AbstractBaseUser | None:
    return request.user if request.user.is_authenticated else None


def _url(collection: Collection) -> str:
    return f"/users/{collection.owner.get_username()}/collections/{collection.slug}"


_back = safe_next


def _wait(request: HttpRequest) -> int | None:
    """Count one write; seconds to wait when this user or this IP wrote too often."""
    return ratelimit.by_setting(request, "collection", "COLLECTION_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def _missing(request: HttpRequest) -> HttpResponse:
    return not_found(request, message="No such collection on this hub.")


def _private(response: HttpResponse, collection: Collection) -> HttpResponse:
    if not collection.is_public:
        patch_cache_control(response, private=True, no_store=True)
        response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _to_login(request: HttpRequest, back: str) -> HttpResponse:
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?{urlencode({'next': back})}")


def _own(request: HttpRequest, username: str, slug: str) -> Collection | HttpResponse:
    """The collection if the viewer owns it; else the answer to give instead."""
    collection = queries.find(username, slug, _viewer(request))
    if collection is None:
        return _missing(request)
    if not request.user.is_authenticated:
        return _to_login(request, request.get_full_path())
    if collection.owner_id != request.user.pk:
        message = "Only the owner of this collection can change it."
        return HttpResponse(message, status=403, content_type="text/plain; charset=utf-8")
    return collection


@require_safe
def user_collections(request: HttpRequest, username: str) -> HttpResponse:
    page = queries.of_user(username, _viewer(request))
    if page is None:
        return not_found(request, message=f"No user {username[:100]} on this hub.")
    return render(request, "community/collections/list.html", {"page": page})


@require_safe
def detail(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = queries.find(username, slug, _viewer(request))
    if collection is None:
        return _missing(request)
    number = page_number(request)
    page = queries.items(collection, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    context = {
        "collection": collection,
        "page": page,
        "page_number": number,
        "own": collection.owner_id == request.user.pk,
        "url": _url(collection),
    }
    return _private(render(request, "community/collections/detail.html", context), collection)


@require_safe
def export_bibtex(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = queries.find(username, slug, _viewer(request))
    if collection is None:
        return _missing(request)
    refs = queries.references(queries.export_papers(collection))
    response = HttpResponse(bibtex.render(refs), content_type="text/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{collection.slug}.bib"'
    return _private(response, collection)


@require_safe
def export_ids(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = queries.find(username, slug, _viewer(request))
    if collection is None:
        return _missing(request)
    ids = "".join(f"{paper.arxiv_id}\n" for paper in queries.export_papers(collection))
    return _private(HttpResponse(ids, content_type="text/plain; charset=utf-8"), collection)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    template = "community/collections/form.html"
    if request.method != "POST":
        return render(request, template, {"form": CollectionForm(), "creating": True})
    form = CollectionForm(request.POST)
    context = {"form": form, "creating": True}
    wait = _wait(request)
    if wait:
        return too_many_page(request, template, context, wait)
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    assert request.user.is_authenticated
    collection = services.create(
        int(request.user.pk),
        data["name"],
        description=data["description"],
        is_public=data["is_public"],
    )
    return HttpResponseRedirect(
        f"/users/{request.user.get_username()}/collections/{collection.slug}"
    )


@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    if isinstance(collection, HttpResponse):
        return collection
    template = "community/collections/form.html"
    if request.method != "POST":
        form = CollectionForm(instance=collection)
        return render(request, template, {"form": form, "collection": collection})
    # Not bound to the instance: an invalid form must not change the name in the page head.
    form = CollectionForm(request.POST)
    context = {"form": form, "collection": collection}
    wait = _wait(request)
    if wait:
        return too_many_page(request, template, context, wait)
    if not form.is_valid():
        return render(request, template, context, status=400)
    data = form.cleaned_data
    services.update(
        collection,
        name=data["name"],
        description=data["description"],
        is_public=data["is_public"],
    )
    return HttpResponseRedirect(_url(collection))


@require_http_methods(["GET", "HEAD", "POST"])
def delete(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    if isinstance(collection, HttpResponse):
        return collection
    template = "community/collections/delete.html"
    context = {"collection": collection, "url": _url(collection)}
    if request.method != "POST":
        return render(request, template, context)
    wait = _wait(request)
    if wait:
        return too_many_page(request, template, context, wait)
    services.delete(collection)
    return HttpResponseRedirect(f"/users/{request.user.get_username()}/collections")


@require_POST
def remove(request: HttpRequest, username: str, slug: str) -> HttpResponse:
    collection = _own(request, username, slug)
    if isinstance(collection, HttpResponse):
        return collection
    paper = paper_or_404(request, request.POST.get("paper", ""), paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    wait = _wait(request)
    if wait:
        return too_many(wait, "Too many changes to collections; try again later.")
    services.remove_paper(collection, paper)
    return HttpResponseRedirect(_back(request, _url(collection)))


@require_POST
def add(request: HttpRequest) -> HttpResponse:
    """Add a paper to one of the user's collections, or to a new one named in the form."""
    paper = paper_or_404(request, request.POST.get("paper", ""), paper_queries.paper_by_id)
    if isinstance(paper, HttpResponse):
        return paper
    back = _back(request, paper.get_absolute_url())
    if not request.user.is_authenticated:
        return _to_login(request, back)
    new_name = clean_name(request.POST.get("new_collection", ""))
    chosen = optional_int(request.POST, "collection")
    if not new_name and chosen is None:
        return HttpResponse(
            "Choose a collection or name a new one.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    collection = None
    if chosen is not None and not new_name:
        collection = queries.owned(chosen, request.user)
        if collection is None:
            return _missing(request)
    wait = _wait(request)
    if wait:
        return too_many(wait, "Too many changes to collections; try again later.")
    if collection is None:
        collection = services.named(int(request.user.pk), new_name)
    services.add_paper(collection, paper)
    return HttpResponseRedirect(back)
