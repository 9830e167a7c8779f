from __future__ import annotations

from typing import TypedDict, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.expressions import CombinedExpression
from django_stubs_ext import WithAnnotations

from dailypapers.core import text


def vote_count(path: str = "") -> CombinedExpression:
    """A paper's votes: the upstream's count plus the votes cast here.

    ``path`` leads from the queried model to the paper, e.g. ``"paper__"``.
    """
    return F(f"{path}upvotes_imported") + F(f"{path}upvotes_local")


class Votes(TypedDict):
    votes: int


# A paper on the daily list: it has a submission and the submission is not hidden.
LISTED = Q(submission__isnull=False, submission__hidden=False)


_P = TypeVar("_P", bound="Paper", covariant=True)


class PaperQuerySet(models.QuerySet[_P]):
    def with_votes(self) -> PaperQuerySet[WithAnnotations[_P, Votes]]:
        """Each paper with its ``votes`` (see ``vote_count``)."""
        return self.annotate(votes=vote_count())


# Where a paper's metadata came from. When two sources describe the same version of
# a paper, the higher rank wins, so the result does not depend on import order.
SOURCE_RANKS = {
    "local": 0,
    "paperexplorer": 1,
    "hf-daily": 2,
    "arxiv-rss": 1,
    "arxiv-snapshot": 3,
    "arxiv-api": 4,
    "arxiv-oai": 4,
}


class Organization(models.Model):
    """A lab, company or community that papers are linked to."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    avatar_url = models.URLField(max_length=500, blank=True)
    description = models.TextField(blank=True)
    # Space-separated email domains (e.g. "example.org lab.example.org"). The org's
    # admins type the requested ones; they are no evidence of anything until staff
    # verify them. Only verified domains confirm author claims, and only staff set them
    # (the admin's logged actions, `dailypapers moderate verify-domains`).
    requested_email_domains = models.CharField(max_length=500, blank=True)
    verified_email_domains = models.CharField(
        max_length=500,
        blank=True,
        help_text="set by staff only: confirmed addresses here count as the organization's",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        # Created by the community app before organizations moved here; the table
        # kept its name (papers migration 0006).
        db_table = "community_organization"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"/orgs/{self.slug}"

    @property
    def initials(self) -> str:
        return text.initials(self.name, self.slug)


class Paper(models.Model):
    arxiv_id = models.CharField(max_length=32, unique=True)
    version = models.PositiveIntegerField(null=True, blank=True, help_text="latest known version")
    title = models.TextField()
    abstract = models.TextField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True, help_text="first version on arXiv")
    updated_at_source = models.DateTimeField(
        null=True, blank=True, help_text="date of the latest version"
    )
    categories = models.CharField(max_length=300, blank=True, help_text="space separated")
    comments = models.TextField(blank=True, help_text="arXiv author comments")
    journal_ref = models.TextField(blank=True)
    doi = models.CharField(max_length=200, blank=True)
    github_repo = models.URLField(max_length=500, blank=True)
    github_stars = models.PositiveIntegerField(null=True, blank=True)
    project_page = models.URLField(max_length=1000, blank=True)
    ai_summary = models.TextField(blank=True)
    ai_keywords = models.JSONField(default=list, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="papers"
    )
    # Votes and comments counted by the upstream the paper was imported from; votes
    # and comments made here are counted on top of these.
    upvotes_imported = models.PositiveIntegerField(default=0)
    upvotes_local = models.PositiveIntegerField(default=0)
    comments_imported = models.PositiveIntegerField(default=0)
    # Visible comments of the discussion here, kept by the comment services.
    comments_local = models.PositiveIntegerField(default=0)
    discussion_locked = models.BooleanField(default=False)
    source = models.CharField(max_length=32, default="local")
    observed_at = models.DateTimeField(
        null=True, blank=True, help_text="when the source described the paper this way"
    )
    withdrawn = models.BooleanField(default=False)
    # Fields of the Hugging Face API the hub keeps as the upstream sent them and serves
    # again (``papers.serializers``): the upstream's ObjectIds (``discussionId``, authors'
    # ``_id``), ``mediaUrls``, ``githubRepoAddedBy``, ``ai_summary_model``, the full
    # author list (hidden authors, claim status, user profiles) and the organization's
    # own spelling. Empty for papers that never came from there.
    hf_extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField(auto_now=True)

    objects = PaperQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["published_at"]),
            # The search index follows papers by (modified_at, id) (``papers.touch``).
            models.Index(fields=["modified_at", "id"], name="search_paper_modified"),
        ]

    def __str__(self) -> str:
        return f"{self.arxiv_id}: {self.title[:60]}"

    def get_absolute_url(self) -> str:
        return f"/papers/{self.arxiv_id}"

    @property
    def upvotes(self) -> int:
        return self.upvotes_imported + self.upvotes_local

    @property
    def num_comments(self) -> int:
        return self.comments_imported + self.comments_local

    @property
    def excerpt(self) -> str:
        """The abstract's opening for cards (Django's truncatechars is slow on long text)."""
        return text.excerpt(self.abstract, 300)

    @property
    def category_list(self) -> list[str]:
        return self.categories.split()

    @property
    def arxiv_url(self) -> str:
        return f"https://arxiv.org/abs/{self.arxiv_id}"

    @property
    def pdf_url(self) -> str:
        return f"https://arxiv.org/pdf/{self.arxiv_id}"


class PaperAuthor(models.Model):
    """One author entry of a paper, in the order of the paper's author list."""

    # The unique (paper, position) constraint already indexes lookups by paper.
    paper = models.ForeignKey(
        Paper, on_delete=models.CASCADE, related_name="authors", db_index=False
    )
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=100, db_index=True)
    hf_user = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="author_position_unique")
        ]

    def __str__(self) -> str:
        return self.name


_S = TypeVar("_S", bound="Submission", covariant=True)


class SubmissionQuerySet(models.QuerySet[_S]):
    def visible(self) -> SubmissionQuerySet[_S]:
        """Entries shown on the daily list: not hidden by a moderator."""
        return self.filter(hidden=False)

    def with_votes(self) -> SubmissionQuerySet[WithAnnotations[_S, Votes]]:
        """Each entry with its paper's ``votes`` (see ``vote_count``)."""
        return self.annotate(votes=vote_count("paper__"))


class Submission(models.Model):
    """A paper's place on the daily list: the day is when it was submitted."""

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="submission")
    submitted_at = models.DateTimeField()
    submitter_name = models.CharField(max_length=100, blank=True)
    submitter_fullname = models.CharField(max_length=200, blank=True)
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
    )
    source = models.CharField(max_length=32, default="local")
    hidden = models.BooleanField(default=False, help_text="hidden from the daily list")
    # The upstream entry's submitter profiles and ``isAuthorParticipating``, as sent.
    hf_extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["submitted_at"]),
            models.Index(fields=["submitter_name", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} on {self.submitted_at:%Y-%m-%d}"


class EarlierListing(models.Model):
    """An earlier day the upstream listed a paper on, besides its ``Submission``.

    The upstream lists a paper again when it is submitted again (rarely: 4 of 2,489
    entries in the recorded days). The paper's ``Submission`` is its latest entry,
    which the pages show; each earlier entry is kept here so that the API's daily
    list of that day has it too, as the upstream's has.
    """

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="earlier_listings")
    submitted_at = models.DateTimeField()
    submitter_name = models.CharField(max_length=100, blank=True)
    submitter_fullname = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=32, default="hf-daily")
    hf_extra = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["submitted_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "submitted_at"], name="earlier_listing_once_per_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.paper.arxiv_id} also on {self.submitted_at:%Y-%m-%d}"


class Upvote(models.Model):
    """One user's vote for one paper; Paper.upvotes_local counts these rows."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="upvotes"
    )
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="user_upvotes")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # Also the index behind "which of these papers has this user upvoted".
            models.UniqueConstraint(fields=["user", "paper"], name="upvote_once_per_user")
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} upvoted paper {self.paper_id}"


class RepoKind(models.TextChoices):
    MODEL = "model"
    DATASET = "dataset"
    SPACE = "space"


class PaperRepos(models.Model):
    """The Hugging Face repositories citing one paper: how many of each kind, and when
    they were last fetched (``LinkedRepo`` holds the repositories themselves).

    The row is also the sync's claim on the paper (``claimed_by`` until
    ``claimed_until``): two workers never fetch the same paper's repositories at once.
    """

    paper = models.OneToOneField(Paper, on_delete=models.CASCADE, related_name="repos")
    num_models = models.PositiveIntegerField(default=0)
    num_datasets = models.PositiveIntegerField(default=0)
    num_spaces = models.PositiveIntegerField(default=0)
    fetched_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=200, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "paper repos"

    def __str__(self) -> str:
        return f"repositories citing paper {self.paper_id}"


class LinkedRepo(models.Model):
    """A model, dataset or Space on the Hugging Face Hub that cites a paper."""

    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="linked_repos")
    kind = models.CharField(max_length=8, choices=RepoKind.choices)
    repo_id = models.CharField(max_length=200, help_text="owner/name on the Hub")
    likes = models.PositiveIntegerField(default=0)
    downloads = models.PositiveBigIntegerField(default=0)
    last_modified = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["paper", "kind", "-likes"])]
        constraints = [
            models.UniqueConstraint(
                fields=["paper", "kind", "repo_id"], name="linked_repo_once_per_paper"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.repo_id} cites paper {self.paper_id}"

    @property
    def url(self) -> str:
        prefix = {"model": "", "dataset": "datasets/", "space": "spaces/"}[self.kind]
        return f"https://huggingface.co/{prefix}{self.repo_id}"


class MediaFile(models.Model):
    """An image or video of another site, kept in the data folder so pages never
    send visitors to that site: paper thumbnails, a paper's media, organization avatars.

    A row is made for each upstream URL a page could show; the worker's
    ``media.fetch`` job (``ingest/media.py``) claims rows, fetches them and records
    the outcome. Pages show the hub's copy when ``state`` is ``stored`` and their
    own fallback otherwise (a generated cover, initials, a plain link).
    """

    KINDS = ("thumbnail", "media", "avatar")
    NEW, STORED, FAILED = "new", "stored", "failed"

    # sha256 of the URL: the file's name and the address the hub serves it at.
    key = models.CharField(max_length=64, unique=True)
    url = models.CharField(max_length=1000)
    kind = models.CharField(max_length=16)
    state = models.CharField(max_length=8, default=NEW)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # A failure that may pass (a timeout, a 503) is tried again after this.
    retry_at = models.DateTimeField(null=True, blank=True)
    fetched_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "retry_at"], name="papers_media_due")]

    def __str__(self) -> str:
        return f"{self.kind} {self.url} ({self.state})"
