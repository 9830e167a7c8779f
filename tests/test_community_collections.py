"""Collections: making and changing them, adding papers, privacy, the exports, limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dailypapers.accounts import services as accounts
from dailypapers.community import bibtex
from dailypapers.community.models import Collection, CollectionItem
from dailypapers.community.services import collections as services
from dailypapers.community.views import collections as views
from dailypapers.config import Rate
from dailypapers.papers.models import Paper
from tests.factories import paper, utc

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def body(response: HttpResponseBase) -> str:
    return str(response.content, "utf-8")  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def quick_hashing(settings: Any) -> None:
    """Accounts here only need to exist; argon2 would spend seconds making each one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def member(username: str) -> User:
    return accounts.sign_up(username, f"{username}@example.org", PASSWORD)


def logged_in(user: User, **extra: Any) -> Client:
    client = Client(**extra)
    client.force_login(user)
    return client


@pytest.fixture
def ada() -> User:
    return member("ada")


@pytest.fixture
def bob() -> User:
    return member("bob")


def collection_of(user: User, name: str = "Reading list", *, public: bool = True) -> Collection:
    return services.create(user.pk, name, is_public=public)


def filled(user: User, count: int, *, public: bool = True) -> Collection:
    collection = collection_of(user, public=public)
    for n in range(count):
        services.add_paper(collection, paper(f"2604.{n + 100:05d}", title=f"Collected {n}"))
    return collection


def url(collection: Collection, suffix: str = "") -> str:
    return f"/users/{collection.owner.get_username()}/collections/{collection.slug}{suffix}"


# --- BibTeX, parsed the way BibTeX reads it: fields end where their braces balance.


def parse_bibtex(text: str) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = []
    pos = 0
    while (start := text.find("@", pos)) != -1:
        head = re.compile(r"@(\w+)\{([^,\s]+),").match(text, start)
        assert head, text[start : start + 80]
        entry = {"type": head.group(1), "key": head.group(2)}
        pos = head.end()
        while True:
            field = re.compile(r"\s*(\w+)\s*=\s*\{").match(text, pos)
            if field is None:
                closing = re.compile(r"\s*\}\s*").match(text, pos)
                assert closing, f"entry {entry['key']} does not end: {text[pos : pos + 80]!r}"
                pos = closing.end()
                break
            depth, i = 1, field.end()
            while depth:
                assert i < len(text), f"field {field.group(1)} never closes"
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                i += 1
            entry[field.group(1)] = text[field.end() : i - 1]
            pos = i
            comma = re.compile(r"\s*,").match(text, pos)
            if comma:
                pos = comma.end()
        entries.append(entry)
    assert text[pos:].strip() == ""
    return entries


def balanced(value: str) -> bool:
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


class TestBibtexModule:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Plain title", "Plain title"),
            ("Sets $\\{x\\}$ and {DNA}", "Sets $\\{x\\}$ and {DNA}"),
            ("Unclosed {brace", "Unclosed \\textbraceleft{}brace"),
            ("Stray } closer", "Stray \\textbraceright{} closer"),
            ("Escaped \\} alone", "Escaped \\textbraceright{} alone"),
            ("}{", "\\textbraceright{}\\textbraceleft{}"),
        ],
    )
    def test_braces_are_balanced_and_latex_otherwise_kept(self, raw: str, expected: str) -> None:
        result = bibtex.balance_braces(raw)
        assert result == expected
        assert balanced(result)

    def test_keys_are_lastname_year_first_word_and_unique(self) -> None:
        def ref(arxiv_id: str, title: str, authors: tuple[str, ...] = ("Ada Lovelace",)) -> Any:
            return bibtex.Reference(arxiv_id, title, authors, 2026)

        refs = [
            ref("2604.00003", "Attention again"),
            ref("2604.00001", "Attention is all you need"),
            ref("2604.00002", "The attention trick"),
            ref("2604.00004", "Graphs", ("Émile Zoë Ünal",)),
            ref("2604.00005", "Attentiona"),
            ref("2604.00006", "$x^2$ \\emph{Scaling} laws", ()),
        ]
        keys = bibtex.unique_keys(refs[:4])
        # The same author, year and first word: a, b, c in arXiv id order.
        assert keys == [
            "lovelace2026attentionc",
            "lovelace2026attentiona",
            "lovelace2026attentionb",
            "unal2026graphs",
        ]
        # A base key equal to a suffixed one is not given to a second paper.
        keys = bibtex.unique_keys(refs)
        assert len(set(keys)) == len(keys) == 6
        assert keys[4] == "lovelace2026attentiona"
        assert keys[5] == "anon2026scaling"

    def test_an_entry_escapes_literal_specials_only(self) -> None:
        ref = bibtex.Reference("2604.00001", "90% of Q&A in \\% and #1", ["R&D Team"], None)
        text = bibtex.render([ref])
        assert "title = {90\\% of Q\\&A in \\% and \\#1}" in text
        assert "author = {R\\&D Team}" in text and "year" not in text

    def test_year_of_old_and_new_ids(self) -> None:
        assert bibtex.year_of_id("2604.00001") == 2026
        assert bibtex.year_of_id("0704.0001") == 2007
        assert bibtex.year_of_id("hep-th/9901001") == 1999
        assert bibtex.year_of_id("math/0309136") == 2003


class TestMakingCollections:
    def test_create_edit_and_list(self, ada: User) -> None:
        client = logged_in(ada)
        assert "New collection" in body(client.get("/collections/new"))
        response = client.post(
            "/collections/new",
            {"name": "Diffusion  models", "description": "Mine.", "is_public": "on"},
        )
        assert response.status_code == 302
        assert response["Location"] == "/users/ada/collections/diffusion-models"
        # The same name again gets an address of its own.
        client.post("/collections/new", {"name": "Diffusion models"})
        slugs = sorted(Collection.objects.values_list("slug", flat=True))
        assert slugs == ["diffusion-models", "diffusion-models-2"]
        second = Collection.objects.get(slug="diffusion-models-2")
        assert second.is_public is False  # an unticked box is private
        response = client.post(
            url(second, "/edit"), {"name": "Renamed", "description": "New words", "is_public": "on"}
        )
        assert response.status_code == 302 and response["Location"] == url(second)
        second.refresh_from_db()
        assert (second.name, second.description, second.is_public) == ("Renamed", "New words", True)
        assert second.slug == "diffusion-models-2"  # the address stays
        html = body(client.get("/users/ada/collections"))
        assert "Diffusion models" in html and "Renamed" in html

    def test_form_errors_keep_what_was_typed(self, ada: User) -> None:
        client = logged_in(ada)
        response = client.post("/collections/new", {"name": "   ", "description": "Kept <words>"})
        assert response.status_code == 400
        html = body(response)
        assert "Give the collection a name" in html and "Kept &lt;words&gt;" in html
        assert not Collection.objects.exists()
        collection = collection_of(ada, "Original")
        response = client.post(url(collection, "/edit"), {"name": "x" * 121, "description": "d2"})
        assert response.status_code == 400
        html = body(response)
        assert "x" * 121 in html and "d2" in html
        collection.refresh_from_db()
        assert collection.name == "Original"

    def test_delete_asks_first_and_get_changes_nothing(self, ada: User) -> None:
        client = logged_in(ada)
        collection = filled(ada, 2)
        response = client.get(url(collection, "/delete"))
        assert response.status_code == 200 and "Delete the collection" in body(response)
        assert Collection.objects.filter(pk=collection.pk).exists()
        response = client.post(url(collection, "/delete"))
        assert response.status_code == 302 and response["Location"] == "/users/ada/collections"
        assert not Collection.objects.exists() and not CollectionItem.objects.exists()
        assert Paper.objects.count() == 2

    def test_the_forms_need_a_login(self) -> None:
        response = Client().get("/collections/new")
        assert response.status_code == 302 and response["Location"].startswith("/login?next=")
        response = Client().post("/collections/new", {"name": "x"})
        assert response.status_code == 302
        assert not Collection.objects.exists()


class TestPermissions:
    def test_only_the_owner_changes_a_public_collection(self, ada: User, bob: User) -> None:
        collection = filled(ada, 1)
        first = collection.items.get().paper
        stranger = logged_in(bob)
        assert stranger.get(url(collection)).status_code == 200
        assert "/edit" not in body(stranger.get(url(collection)))
        assert stranger.get(url(collection, "/edit")).status_code == 403
        assert stranger.post(url(collection, "/edit"), {"name": "Mine now"}).status_code == 403
        assert stranger.post(url(collection, "/delete")).status_code == 403
        response = stranger.post(url(collection, "/remove"), {"paper": first.arxiv_id})
        assert response.status_code == 403
        assert (
            stranger.post(
                "/collections/add", {"paper": first.arxiv_id, "collection": str(collection.pk)}
            ).status_code
            == 404
        )
        anonymous = Client().post(url(collection, "/delete"))
        assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login")
        collection.refresh_from_db()
        assert collection.name == "Reading list" and collection.items.count() == 1

    @pytest.mark.parametrize("suffix", ["", ".bib", ".txt", "/edit", "/delete"])
    def test_a_private_collection_is_not_found_by_anyone_else(
        self, ada: User, bob: User, suffix: str
    ) -> None:
        collection = filled(ada, 1, public=False)
        assert logged_in(ada).get(url(collection, suffix)).status_code == 200
        assert logged_in(bob).get(url(collection, suffix)).status_code == 404
        assert Client().get(url(collection, suffix)).status_code == 404
        staff = member("mod")
        staff.is_staff = True
        staff.save()
        assert logged_in(staff).get(url(collection, suffix)).status_code == 404

    def test_private_collections_are_listed_for_their_owner_only(
        self, ada: User, bob: User
    ) -> None:
        collection_of(ada, "Open shelf")
        collection_of(ada, "Secret shelf", public=False)
        html = body(logged_in(bob).get("/users/ada/collections"))
        assert "Open shelf" in html and "Secret shelf" not in html
        html = body(Client().get("/users/ada"))
        assert "Open shelf" in html and "Secret shelf" not in html
        html = body(logged_in(ada).get("/users/ada/collections"))
        assert "Open shelf" in html and "Secret shelf" in html and "private" in html
        assert Client().get("/users/nobody/collections").status_code == 404

    def test_private_pages_are_not_cached_or_indexed(self, ada: User) -> None:
        collection = filled(ada, 1, public=False)
        for suffix in ("", ".bib", ".txt"):
            response = logged_in(ada).get(url(collection, suffix))
            assert "private" in response["Cache-Control"]
            assert response["X-Robots-Tag"] == "noindex, nofollow"


class TestAddingPapers:
    def test_add_to_a_collection_twice_keeps_one(self, ada: User) -> None:
        collection = collection_of(ada)
        target = paper("2604.00001", title="Worth keeping")
        client = logged_in(ada)
        form = {"paper": "2604.00001", "collection": str(collection.pk), "next": "/papers/trending"}
        for _ in range(2):
            response = client.post("/collections/add", form)
            assert response.status_code == 302 and response["Location"] == "/papers/trending"
        assert list(collection.items.values_list("paper", flat=True)) == [target.pk]
        assert "Worth keeping" in body(client.get(url(collection)))

    def test_add_to_a_new_collection_by_name(self, ada: User) -> None:
        paper("2604.00001")
        client = logged_in(ada)
        for _ in range(2):
            response = client.post(
                "/collections/add",
                {
                    "paper": "arXiv:2604.00001v2",
                    "new_collection": " To read ",
                    "next": "https://evil.example",
                },
            )
            assert response.status_code == 302 and response["Location"] == "/papers/2604.00001"
        collection = Collection.objects.get()
        assert (collection.name, collection.owner_id) == ("To read", ada.pk)
        assert collection.items.count() == 1

    def test_bad_adds_change_nothing(self, ada: User) -> None:
        collection = collection_of(ada)
        paper("2604.00001")
        client = logged_in(ada)
        assert client.get("/collections/add").status_code == 405
        assert (
            client.post(
                "/collections/add", {"paper": "2604.99999", "collection": str(collection.pk)}
            ).status_code
            == 404
        )
        assert client.post("/collections/add", {"paper": "2604.00001"}).status_code == 400
        assert (
            client.post(
                "/collections/add", {"paper": "2604.00001", "collection": "9999"}
            ).status_code
            == 404
        )
        response = Client().post(
            "/collections/add", {"paper": "2604.00001", "collection": str(collection.pk)}
        )
        assert response.status_code == 302 and response["Location"].startswith("/login?next=")
        assert not CollectionItem.objects.exists()

    def test_remove_a_paper(self, ada: User) -> None:
        collection = filled(ada, 2)
        gone = Paper.objects.get(arxiv_id="2604.00100")
        client = logged_in(ada)
        assert client.get(url(collection, "/remove")).status_code == 405
        response = client.post(url(collection, "/remove"), {"paper": gone.arxiv_id})
        assert response.status_code == 302 and response["Location"] == url(collection)
        assert list(collection.items.values_list("paper__arxiv_id", flat=True)) == ["2604.00101"]

    def test_the_paper_page_offers_the_control_to_members_only(self, ada: User) -> None:
        collection_of(ada, "Shelf <one>")
        held = collection_of(ada, "Shelf two")
        target = paper("2604.00001", submitted_at=utc(2026, 4, 7))
        services.add_paper(held, target)
        assert "/collections/add" not in body(Client().get("/papers/2604.00001"))
        client = logged_in(ada)
        html = body(client.get("/papers/2604.00001"))
        assert 'action="/collections/add"' in html and 'name="csrfmiddlewaretoken"' in html
        assert "Shelf &lt;one&gt;" in html and "Shelf two (added)" in html
        assert 'name="new_collection"' in html and 'value="/papers/2604.00001"' in html
        # A member without collections can still start one from the page.
        html = body(logged_in(member("cy")).get("/papers/2604.00001"))
        assert 'name="new_collection"' in html and "<select" not in html


class TestSafety:
    def test_every_form_needs_the_csrf_token(self, ada: User) -> None:
        collection = filled(ada, 1)
        client = Client(enforce_csrf_checks=True)
        client.force_login(ada)
        posts = [
            ("/collections/new", {"name": "New"}),
            ("/collections/add", {"paper": "2604.00100", "new_collection": "Other"}),
            (url(collection, "/edit"), {"name": "Changed"}),
            (url(collection, "/remove"), {"paper": "2604.00100"}),
            (url(collection, "/delete"), {}),
        ]
        for path, data in posts:
            assert client.post(path, data).status_code == 403, path
        assert Collection.objects.get().name == "Reading list"
        assert CollectionItem.objects.count() == 1

    def test_writes_are_limited_per_user(self, ada: User, settings: Any) -> None:
        settings.COLLECTION_RATE_LIMIT = Rate(per_account=2, per_ip=100, seconds=600)
        client = logged_in(ada)
        codes = [client.post("/collections/new", {"name": f"c{i}"}).status_code for i in range(3)]
        assert codes == [302, 302, 429]
        response = client.post("/collections/new", {"name": "typed name"})
        assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 600
        assert 'value="typed name"' in body(response)
        paper("2604.00001")
        response = client.post("/collections/add", {"paper": "2604.00001", "new_collection": "c0"})
        assert response.status_code == 429 and "Retry-After" in response
        assert Collection.objects.count() == 2 and not CollectionItem.objects.exists()
        # Someone else is not held back.
        other = logged_in(member("bob"), REMOTE_ADDR="198.51.100.4")
        assert other.post("/collections/new", {"name": "x"}).status_code == 302

    def test_writes_are_limited_per_ip(self, ada: User, bob: User, settings: Any) -> None:
        settings.COLLECTION_RATE_LIMIT = Rate(per_account=100, per_ip=2, seconds=600)
        codes = [
            logged_in(user, REMOTE_ADDR="203.0.113.5")
            .post("/collections/new", {"name": "n"})
            .status_code
            for user in (ada, bob, ada)
        ]
        assert codes == [302, 302, 429]


class TestPagesAndExports:
    def test_detail_lists_newest_first_in_pages(self, ada: User, monkeypatch: Any) -> None:
        monkeypatch.setattr(views, "PAGE_SIZE", 2)
        collection = filled(ada, 3)
        CollectionItem.objects.filter(paper__arxiv_id="2604.00100").update(added_at=utc(2026, 1, 1))
        client = Client()
        html = body(client.get(url(collection)))
        assert html.index("Collected 2") < html.index("Collected 1")
        assert "Collected 0" not in html and "3 papers" in html and 'rel="next"' in html
        html = body(client.get(url(collection) + "?page=2"))
        assert "Collected 0" in html and "Collected 1" not in html
        assert 'href="/papers/2604.00100"' in html and "Ada Lovelace" in html

    def test_the_id_list(self, ada: User) -> None:
        collection = filled(ada, 3)
        response = Client().get(url(collection, ".txt"))
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert body(response) == "2604.00102\n2604.00101\n2604.00100\n"
        empty = collection_of(ada, "Empty")
        assert body(Client().get(url(empty, ".txt"))) == ""

    def test_the_bibtex_export(self, ada: User) -> None:
        collection = collection_of(ada, "Bib me")
        specs = [
            (
                "2604.00001",
                "Attention in $\\mathcal{O}(n)$ time",
                ("Ada Lovelace", "Alan Turing", "Grace Hopper"),
            ),
            ("2604.00002", "Attention {unclosed and % odd", ("Ada Lovelace",)),
            ("2604.00003", "Attention} stray", ("Ada Lovelace", "Research and Development Team")),
        ]
        for arxiv_id, title, authors in specs:
            services.add_paper(
                collection,
                paper(
                    arxiv_id,
                    title=title,
                    authors=authors,
                    categories="cs.LG stat.ML",
                    published_at=utc(2026, 4, 1),
                    doi="10.1000/x{1}" if arxiv_id.endswith("1") else "",
                ),
            )
        response = Client().get(url(collection, ".bib"))
        assert response.status_code == 200
        assert response["Content-Type"] == "text/x-bibtex; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="bib-me.bib"'
        text = body(response)
        assert balanced(text)
        entries = parse_bibtex(text)
        assert len(entries) == 3
        assert len({e["key"] for e in entries}) == 3
        by_id = {e["eprint"]: e for e in entries}
        first = by_id["2604.00001"]
        assert first["type"] == "misc"
        assert first["key"] == "lovelace2026attentiona"
        assert first["title"] == "Attention in $\\mathcal{O}(n)$ time"
        assert first["author"] == "Ada Lovelace and Alan Turing and Grace Hopper"
        assert first["year"] == "2026" and first["archivePrefix"] == "arXiv"
        assert first["primaryClass"] == "cs.LG"
        assert first["url"] == "https://arxiv.org/abs/2604.00001"
        assert first["doi"] == "10.1000/x{1}"
        assert "doi" not in by_id["2604.00002"]
        # Literal specials get their backslash; escaped ones and LaTeX stay.
        assert by_id["2604.00002"]["title"] == "Attention \\textbraceleft{}unclosed and \\% odd"
        assert by_id["2604.00003"]["title"] == "Attention\\textbraceright{} stray"
        assert by_id["2604.00003"]["author"] == "Ada Lovelace and {Research and Development Team}"
        # Newest added first, as on the page.
        assert [e["eprint"] for e in entries] == ["2604.00003", "2604.00002", "2604.00001"]


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


class TestBoundedQueries:
    def test_collection_pages_query_the_same_however_many_papers(self, ada: User) -> None:
        small = filled(ada, 1)
        big = services.create(ada.pk, "Big")
        for n in range(12):
            services.add_paper(
                big, paper(f"2604.{n + 500:05d}", authors=("A B", "C D", "E F", "G H"))
            )
        client = logged_in(ada)
        for suffix in ("", ".bib", ".txt"):
            assert count_queries(client, url(small, suffix)) == count_queries(
                client, url(big, suffix)
            )
        few = count_queries(client, "/users/ada/collections")
        for n in range(5):
            services.create(ada.pk, f"More {n}")
        assert count_queries(client, "/users/ada/collections") == few
        assert count_queries(client, "/papers/2604.00500") <= 12
