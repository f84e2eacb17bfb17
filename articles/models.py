"""The newsroom's content: agencies, authors, articles with their captions, breaking-news alerts,
and the record of every raw input that ingest received."""

import hashlib
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from articles import publishing
from articles.addresses import slug_address
from articles.markup import made_by_this_renderer, render_body, render_key
from articles.uploads import validate_image

# BCP 47 language tag, the common shapes: "en", "ko", "pt-BR", "zh-Hant", "es-419".
bcp47_validator = RegexValidator(
    r"\A[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?\Z",
    _("Enter a BCP 47 language tag such as “en”, “ko”, “pt-BR” or “zh-Hant”."),
)


# Alt texts that say nothing about the photo: "image", "photo 2", "16x9 Image", "IMG_0042.jpg".
PLACEHOLDER_ALT = re.compile(
    r"(?:[•*-]\s*)?(?:\d+\s*x\s*\d+\s+)?(?:image|img|photo|picture|pic|graphic|placeholder)(?:\s*\d+)?"
    r"|\S+\.(?:jpe?g|png|gif|webp|avif|svg|tiff?)",
    re.IGNORECASE,
)


class RevisionOrigin(models.Model):
    """Extra columns of every revision: where the change came from.

    Who and when are simple-history's own columns (history_user, history_date); the channel
    ("admin form", "import: file.txt", "command: ...", "restore of revision N") is its
    history_change_reason; this adds the editor's IP address for changes made over HTTP.
    """

    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        abstract = True


def revisions(**kwargs):
    return HistoricalRecords(bases=[RevisionOrigin], **kwargs)


# Languages written right to left (primary subtags).
RTL_LANGUAGES = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv", "ckb"}

# The longest body an article may have, in bytes of UTF-8: some 40,000 English words, several
# times the longest news story. Rendering Markdown takes time that grows faster than the text,
# most for the worst text (a run of "![" takes the parser longest), and each save, preview and
# uncached page renders it: at this size the worst text stays bearable, a megabyte of it is far
# too slow (figures in docs/benchmarks.md, "Measurements behind the code").
MAX_BODY_BYTES = 250_000


def body_too_long(body: str) -> str | None:
    """The message for a body over MAX_BODY_BYTES, None for one within it."""
    size = len(body.encode("utf-8", "surrogatepass"))
    if size <= MAX_BODY_BYTES:
        return None
    return (
        f"The body is too long: {size:,} bytes (the limit is {MAX_BODY_BYTES:,}, some 40,000 "
        "words). Split it into several articles."
    )


def normalize_text(text: str) -> str:
    """LF line ends, no trailing blank space, and one final newline (none if empty)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    return f"{text}\n" if text else ""


def slug_field(**kwargs):
    """A unique part of an address; Unicode allowed, for names in any script."""
    return models.SlugField(_("slug"), max_length=200, unique=True, allow_unicode=True, **kwargs)


def language_field(**kwargs):
    return models.CharField(_("language"), max_length=35, validators=[bcp47_validator], **kwargs)


class Agency(models.Model):
    name = models.CharField(
        _("name"), max_length=200, unique=True, help_text=_("As readers should see it: “Reuters”.")
    )
    slug = slug_field(help_text=_("Used in addresses; filled from the name."))
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("Shown to readers in the box under each of the agency's articles."),
    )
    website = models.URLField(_("website"), blank=True, help_text=_("The agency's home page."))
    logo = models.ImageField(
        _("logo"),
        upload_to="agencies/",
        validators=[validate_image],
        blank=True,
        help_text=_("Optional. Shown as decoration next to the agency's name."),
    )

    history = revisions()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_address("articles:agency_detail", self.slug)


class AuthorQuerySet(models.QuerySet):
    def identified(self, name, agency):
        """The author an agency means by this byline name (agency None: a house author), or
        None: an alias an editor made by merging authors first, then the agency's author of
        that name (the same spelling first, then the same name in another case)."""
        for queryset in (AuthorAlias.objects.select_related("author"), self):
            rows = list(queryset.filter(agency=agency, name__iexact=name).order_by("pk")[:20])
            row = next((row for row in rows if row.name == name), rows[0] if rows else None)
            if row is not None:
                return row.author if isinstance(row, AuthorAlias) else row
        return None

    def free_slug(self, name, agency):
        """A slug for a new author: the name's, else the name's and the agency's
        ("john-smith-reuters"), numbered on ("john-smith-reuters-2") while taken."""
        field = self.model._meta.get_field("slug")
        base = slugify(name, allow_unicode=True) or "author"
        stem = f"{base}-{agency.slug}" if agency is not None else base
        candidates = [base, stem] if agency is not None else [base]
        n = 2
        while True:
            for candidate in candidates:
                slug = candidate[: field.max_length]
                if not self.filter(slug=slug).exists():
                    return slug
            suffix = f"-{n}"
            candidates = [stem[: field.max_length - len(suffix)] + suffix]
            n += 1


class Author(models.Model):
    """A byline name at an agency (none: the house's own staff): one author per agency and
    name. The same name at another agency is another author, unless an editor merges them
    (merge_authors), which keeps the merged names as aliases."""

    name = models.CharField(_("name"), max_length=200, help_text=_("As it appears in the byline."))
    slug = slug_field(help_text=_("Used in addresses; filled from the name."))
    bio = models.TextField(
        _("biography"), blank=True, help_text=_("A sentence or two for readers.")
    )
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        # Not SET_NULL: the author would become a house author, and could clash with one of
        # the same name. An agency with authors is deleted after its authors are merged or
        # deleted.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="authors",
        help_text=_("The agency this author writes for, if any."),
    )

    objects = AuthorQuerySet.as_manager()
    history = revisions()

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")
        constraints = [
            # Who an author is: (agency, name). NULL agencies are distinct in a unique index,
            # so house authors get their own (partial) constraint, on every database.
            models.UniqueConstraint(
                fields=["agency", "name"],
                condition=Q(agency__isnull=False),
                name="author_unique_agency_name",
                violation_error_message=_(
                    "An author with this name already exists for this agency."
                ),
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(agency__isnull=True),
                name="author_unique_name_without_agency",
                violation_error_message=_(
                    "A house author (no agency) with this name already exists."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_address("articles:author_detail", self.slug)


class AuthorAlias(models.Model):
    """A byline name an agency sends for an author who was merged into another: imports of
    that name from that agency (none: house bylines) credit the author it points to."""

    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=200)
    author = models.ForeignKey(
        Author, verbose_name=_("author"), on_delete=models.CASCADE, related_name="aliases"
    )
    created_at = models.DateTimeField(_("merged"), auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("author alias")
        verbose_name_plural = _("author aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "name"],
                condition=Q(agency__isnull=False),
                name="authoralias_unique_agency_name",
            ),
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(agency__isnull=True),
                name="authoralias_unique_name_without_agency",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.agency})" if self.agency_id else self.name


def merge_authors(kept, others):
    """Make `others` one author with `kept`: their articles credit `kept` instead (each article
    saved once: a new version, still "as imported" if it was), they are deleted, and their
    names (and their own aliases) become aliases of `kept`. Call inside a transaction (and a
    revision() block, for one revision per article). The articles changed."""
    others = [author for author in others if author.pk != kept.pk]
    if not others:
        return []
    through = Article.authors.through
    articles = (
        Article.objects.select_for_update()
        .filter(pk__in=through.objects.filter(author__in=others).values("article_id"))
        .order_by("pk")
    )
    changed = []
    for article in articles:
        as_imported = (
            article.imported_version is not None and article.version == article.imported_version
        )
        if as_imported:
            article.imported_version = article.version + 1  # the version save() gives it
        article.save()
        article.authors.remove(*others)
        article.authors.add(kept)
        changed.append(article)
    AuthorAlias.objects.filter(author__in=others).update(author=kept)
    for other in others:
        AuthorAlias.objects.update_or_create(
            agency=other.agency, name=other.name, defaults={"author": kept}
        )
    # An alias never shadows the kept author's own name.
    AuthorAlias.objects.filter(agency=kept.agency, name=kept.name).delete()
    for other in others:
        other.delete()
    return changed


def identifier_key(identifier: str) -> str:
    """SHA-256 (hex) of a source's identifier, "" for none: what the natural key's unique
    constraint compares, so that an identifier of any length (a long canonical URL or uri)
    fits, where an index on the identifier itself would have a size limit."""
    return hashlib.sha256(identifier.encode()).hexdigest() if identifier else ""


# What render_body's output depends on, and what stores it.
RENDER_SOURCES = frozenset({"body", "language"})
RENDERED_FIELDS = frozenset({"rendered_body", "rendered_body_key"})


class ArticleQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """As save() does, each article's external_key is derived from its identifier, and its
        rendered body stored (and updated on conflict with the body or language)."""
        objs = list(objs)
        for article in objs:
            article.external_key = identifier_key(article.external_id)
            article.store_rendered_body()
        update_fields = kwargs.get("update_fields") or ()
        if RENDER_SOURCES.intersection(update_fields):
            added = sorted(RENDERED_FIELDS - set(update_fields))
            kwargs["update_fields"] = [*update_fields, *added]
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        """An update of the body or language updates the rendered body too, as save() does."""
        if RENDER_SOURCES.intersection(fields):
            objs = list(objs)
            for article in objs:
                article.store_rendered_body()
            fields = [*fields, *sorted(RENDERED_FIELDS - set(fields))]
        return super().bulk_update(objs, fields, *args, **kwargs)

    def published(self):
        """What readers may see now (articles.publishing)."""
        return self.filter(publishing.published(timezone.now()))


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = publishing.DRAFT, _("Draft")
        PUBLISHED = publishing.PUBLISHED, _("Published")
        WITHDRAWN = publishing.WITHDRAWN, _("Withdrawn")

    headline = models.CharField(
        _("headline"), max_length=300, help_text=_("Shown as the page title and in listings.")
    )
    slug = slug_field(
        help_text=_("The last part of the article's address. Changing it breaks old links.")
    )
    standfirst = models.TextField(
        _("standfirst"), blank=True, help_text=_("Optional summary shown under the headline.")
    )
    body = models.TextField(
        _("body"),
        help_text=_(
            "Markdown: separate paragraphs with a blank line; start a subheading with “## ”. "
            "HTML is shown as typed, never interpreted. To start a paragraph with a number and a "
            "full stop, or with #, write a backslash first (“1851\\.”)."
        ),
    )
    language = language_field(
        default="en", help_text=_("BCP 47 tag of the article's language, e.g. “en” or “ko”.")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text=_("Drafts are never shown to readers."),
    )
    published_at = models.DateTimeField(
        _("publication time"),
        null=True,
        blank=True,
        help_text=_(
            "Readers see the article from this time on, once its status is Published. "
            "Left empty when publishing, it is set to now."
        ),
    )
    # When the article was withdrawn (the withdrawal it is in now), kept by save(); None
    # while it is not withdrawn. Readers saw it if its publication time had come by then
    # (views.withdrawn_article): updated_at cannot say, every later save moves it.
    withdrawn_at = models.DateTimeField(
        _("withdrawn at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the article was withdrawn; empty while it is not withdrawn."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="articles",
    )
    authors = models.ManyToManyField(
        Author, verbose_name=_("authors"), blank=True, related_name="articles"
    )
    source_url = models.URLField(
        _("source URL"), max_length=500, blank=True, help_text=_("Where the agency published it.")
    )
    external_id = models.TextField(
        _("source identifier"),
        blank=True,
        help_text=_("The source's identifier; a re-import with the same one updates this article."),
    )
    external_key = models.CharField(
        _("source identifier key"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "SHA-256 of the source identifier, derived when the article is saved: the natural "
            "key compares it, so identifiers of any length fit."
        ),
    )
    external_version = models.PositiveBigIntegerField(
        _("source version"),
        null=True,
        blank=True,
        help_text=_("The source's version number of this story, when it has one."),
    )
    source_format = models.CharField(
        _("source format"),
        max_length=20,
        blank=True,
        editable=False,
        help_text=_("What the last import read: capture, ninjs, newsml-g2 or html."),
    )
    source_updated_at = models.DateTimeField(
        _("source version time"),
        null=True,
        blank=True,
        help_text=_("When the agency made the version last imported (stored in UTC)."),
    )
    slugline = models.CharField(
        _("agency slugline"),
        max_length=200,
        blank=True,
        help_text=_("The agency's own code for the story, e.g. “SYRIA-CHEMICAL/”. Not an address."),
    )
    wire_metadata = models.JSONField(
        _("wire metadata"),
        default=dict,
        blank=True,
        help_text=_("What the agency sent besides the text: urgency, subjects, usage terms..."),
    )
    possible_duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("possible duplicate of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "An article with the same headline from the same agency that arrived with another "
            "identifier (e.g. in another format). Not merged: an editor decides."
        ),
    )
    source_checksum = models.CharField(
        _("source checksum"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_(
            "SHA-256 of the content as last imported; an identical import changes nothing."
        ),
    )

    version = models.PositiveIntegerField(
        _("version"),
        default=1,
        editable=False,
        help_text=_("Goes up by one with every save; a save based on an older version is refused."),
    )
    imported_version = models.PositiveIntegerField(
        _("version at last import"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("If the version has moved on since, an editor changed the article."),
    )
    needs_review = models.BooleanField(
        _("needs review"),
        default=False,
        help_text=_(
            "An agency update arrived after an editor changed the article; "
            "it waits as a pending update."
        ),
    )
    # The body as HTML, rendered when the article is saved, so that pages need not render it
    # on every view. Used only while its key is render_key() of the body and language now
    # (see body_html): a row changed behind save()'s back (its key emptied by a trigger), or a
    # new renderer, is never stale.
    rendered_body = models.TextField(_("rendered body"), blank=True, editable=False)
    rendered_body_key = models.CharField(
        _("rendered body key"), max_length=64, blank=True, editable=False
    )

    objects = ArticleQuerySet.as_manager()
    # Revisions keep the body, not a second copy of it as HTML.
    history = revisions(
        m2m_fields=[authors], excluded_fields=["rendered_body", "rendered_body_key"]
    )

    class Meta:
        ordering = ["-published_at", "-created_at"]
        get_latest_by = "published_at"
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        permissions = [
            ("import_article", _("Can import articles from agency files")),
            ("publish_article", _("Can publish, schedule and withdraw articles")),
        ]
        indexes = [models.Index(fields=["status", "-published_at"], name="article_status_pub_idx")]
        constraints = [
            # The natural key (agency, external_id), compared through external_key.
            models.UniqueConstraint(
                fields=["agency", "external_key"],
                condition=Q(agency__isnull=False) & ~Q(external_key=""),
                name="article_unique_agency_external_id",
            ),
            models.UniqueConstraint(
                fields=["external_key"],
                condition=Q(agency__isnull=True) & ~Q(external_key=""),
                name="article_unique_external_id_without_agency",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_time",
                violation_error_message=_("A published article needs a publication time."),
            ),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # Every save of an existing article is a new version: the revision history numbers
        # its versions by it, and the admin refuses a save based on an older one. (A
        # QuerySet.update() bypasses this, like any save() hook.)
        if not self._state.adding:
            self.version += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "version"}
        self.external_key = identifier_key(self.external_id)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "external_id" in update_fields:
            kwargs["update_fields"] = {*kwargs["update_fields"], "external_key"}
        if update_fields is None:
            # An instance loaded with .only()/.defer() saves only the fields it has.
            sources = RENDER_SOURCES - self.get_deferred_fields()
        else:
            sources = RENDER_SOURCES.intersection(update_fields)
        if sources and self.store_rendered_body() and update_fields is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], *RENDERED_FIELDS}
        withdrawal = self.__dict__.pop("_withdrawal", None)
        saves_status = (
            "status" in update_fields
            if update_fields is not None
            else "status" not in self.get_deferred_fields()
        )
        if saves_status:
            self.withdrawn_at = self._withdrawal_time(withdrawal)
            if update_fields is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "withdrawn_at"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return slug_address("articles:article_detail", self.slug)

    def withdraw(self, at=None):
        """Withdraw the article (saved by the caller) at `at` (default: now)."""
        self.status = self.Status.WITHDRAWN
        self.withdrawn_at = self._withdrawal = at or timezone.now()

    def _withdrawal_time(self, withdrawal):
        """withdrawn_at as this save stores it: None unless withdrawn; the stored time while
        the article stays withdrawn; the time of this save (or of withdraw()) when it becomes
        withdrawn now. A value the instance carries from elsewhere (a restored revision's, a
        form's) is not trusted for an article in the database; a new row keeps its own (a
        recovery after deletion, a test's)."""
        if self.status != self.Status.WITHDRAWN:
            return None
        given = self.__dict__.get("withdrawn_at")
        if not self._state.adding:
            stored = (
                Article.objects.filter(pk=self.pk).values_list("status", "withdrawn_at").first()
            )
            if stored is not None:
                status, withdrawn_at = stored
                if status == self.Status.WITHDRAWN:
                    return withdrawn_at or given or timezone.now()
                return withdrawal or timezone.now()
        return withdrawal or given or timezone.now()

    def clean(self):
        # One spelling of the text whatever sent it: browsers send CR LF and drop the final
        # newline, imports write LF. Otherwise opening and saving an article would look like a
        # change of every line in its history and in conflict reports.
        self.body = normalize_text(self.body)
        if problem := body_too_long(self.body):
            raise ValidationError({"body": problem})
        self.standfirst = normalize_text(self.standfirst).rstrip("\n")
        publishing.fill_publication_time(self, timezone.now().replace(microsecond=0))
        # Derived here too (save() derives it), so full_clean checks the natural key.
        self.external_key = identifier_key(self.external_id)

    def is_published(self):
        """What readers may see now, for one article in hand (articles.publishing)."""
        return publishing.is_published(self)

    def direction(self):
        """Text direction of the article's language, for <html dir>."""
        return "rtl" if self.language.split("-")[0] in RTL_LANGUAGES else "ltr"

    def body_html(self):
        """The body as HTML: the stored rendering when it is that of the body and language now,
        else rendered (once per instance: the page, its metadata and its feed entry all use it;
        again only when the body or language changed).

        With the body loaded, the stored key is checked against it. The article page does not
        read the body (6 KB it shows only as HTML): there the stored HTML is used when this
        renderer made it, its key being that of the row's own body and language, which the
        database keeps true: a trigger empties the key of a row whose body or language changes
        without a new key (QuerySet.update(), raw SQL; migration 0010). A key that is empty
        or another renderer's loads the body (one query) and renders it."""
        loaded = self.__dict__
        stored = loaded.keys() >= RENDERED_FIELDS  # both read (a listing reads neither)
        if stored and "body" not in loaded and made_by_this_renderer(self.rendered_body_key):
            return self.rendered_body
        source = (self.body, self.language)
        if getattr(self, "_body_html", (None, None))[0] != source:
            if not stored:
                html = None  # not loaded (a listing): rendering costs less than two queries
            elif self.rendered_body_key == render_key(self.body, self.language):
                html = self.rendered_body
            else:
                html = None
            if html is None:
                html = render_body(self.body, language=self.language)
            self._body_html = (source, html)
        return self._body_html[1]

    def store_rendered_body(self):
        """Store the body's HTML and its key unless the key is already that of the body and
        language now (a SHA-256 of the body: cheap). Whether they changed."""
        key = render_key(self.body, self.language)
        if "rendered_body_key" not in self.get_deferred_fields() and self.rendered_body_key == key:
            return False
        self.rendered_body = self.body_html()
        self.rendered_body_key = key
        return True


def read_image_size(file):
    """(width, height) of an image file read from storage, or (None, None) when the file is
    missing or cannot be read as an image: never an error (a photo stays shown, without its
    size hints)."""
    try:
        return file.width, file.height
    except (OSError, ValueError):
        return None, None


class SizedImageField(models.ImageField):
    """An ImageField with width_field and height_field that reads a file's size only when a file
    is assigned (Django's ImageFileDescriptor does it then), never when a row is loaded.

    Django's ImageField also reads the size on every Model.__init__ (a post_init handler) when
    the stored size is empty: every page view would then open a photo whose size is unknown,
    and a missing file would make loading the row fail. Here a size is read on assignment (a
    file uploaded, FieldFile.save(), a cleared field) or by Caption.save() when it is still
    unknown, and a file that cannot be read leaves it unknown (None) instead of raising."""

    def contribute_to_class(self, cls, name, **kwargs):
        # FileField's, without ImageField's post_init handler (see the docstring).
        models.FileField.contribute_to_class(self, cls, name, **kwargs)

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        if not force or self.attname not in instance.__dict__:
            return
        file = getattr(instance, self.attname)
        width, height = read_image_size(file) if file else (None, None)
        setattr(instance, self.width_field, width)
        setattr(instance, self.height_field, height)


class Caption(models.Model):
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="captions"
    )
    text = models.TextField(_("caption"), help_text=_("Shown under the photo."))
    alt_text = models.CharField(
        _("alt text"),
        max_length=500,
        blank=True,
        help_text=_(
            "What the photo shows, for people who cannot see it. Never repeat the caption and "
            "never write a placeholder such as “image”."
        ),
    )
    language = language_field(
        blank=True, help_text=_("BCP 47 tag of the caption's language, if not the article's.")
    )
    credit = models.CharField(
        _("credit"),
        max_length=200,
        blank=True,
        help_text=_("Who took the photo: “Reuters/Jane Doe”."),
    )
    image = SizedImageField(
        _("image"),
        upload_to="captions/%Y/%m/",
        blank=True,
        validators=[validate_image],
        width_field="image_width",
        height_field="image_height",
        help_text=_("Optional photo file."),
    )
    # The photo's size in pixels, stored when a file is assigned, so that pages give it to
    # browsers (width and height of the <img>, og:image:width) without opening the file.
    # None: no photo, or a file that could not be read.
    image_width = models.PositiveIntegerField(
        _("image width"), null=True, blank=True, editable=False
    )
    image_height = models.PositiveIntegerField(
        _("image height"), null=True, blank=True, editable=False
    )
    image_url = models.URLField(
        _("image URL"),
        max_length=1000,
        blank=True,
        help_text=_("Where the agency serves the photo (imports store it and never download it)."),
    )
    is_lead = models.BooleanField(
        _("lead"), default=False, help_text=_("The article's main photo; one per article.")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order of the captions, smallest first.")
    )

    # Revisions keep the photo's size with it: simple-history restores a field it excludes from
    # the current row, which would give a restored photo the size of the one it replaces.
    history = revisions()

    class Meta:
        ordering = ["-is_lead", "position", "id"]
        verbose_name = _("caption")
        verbose_name_plural = _("captions")
        constraints = [
            models.UniqueConstraint(
                fields=["article"], condition=Q(is_lead=True), name="caption_one_lead_per_article"
            ),
        ]

    def __str__(self):
        return self.text[:80]

    def save(self, *args, **kwargs):
        # A photo given by name (a restored revision, a caption made with a stored file) has
        # no size yet: read it once here. A file that cannot be read leaves it unknown.
        if (
            not {"image", "image_width", "image_height"} & self.get_deferred_fields()
            and self.image
            and (self.image_width is None or self.image_height is None)
        ):
            self.image_width, self.image_height = read_image_size(self.image)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "image_width", "image_height"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return self.article.get_absolute_url()

    def image_alt(self):
        """The alt text readers get: "" when it would only repeat the caption or is a
        placeholder. The figcaption describes the photo in both cases, so an empty alt keeps
        screen readers from reading the same words twice, or reading "image"."""
        alt = " ".join(self.alt_text.split())
        if not alt or PLACEHOLDER_ALT.fullmatch(alt):
            return ""
        if alt.casefold() == " ".join(self.text.split()).casefold():
            return ""
        return alt

    def image_size(self):
        """(width, height) of the photo as stored, or None (no photo, or a missing or broken
        file: the photo is then shown without its size hints). Never opens the file."""
        if not self.image or self.image_width is None or self.image_height is None:
            return None
        return self.image_width, self.image_height


class Correction(models.Model):
    """A dated note shown to readers when a published article was changed in substance."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="corrections"
    )
    text = models.TextField(
        _("correction"),
        help_text=_("What was wrong and what is right now, in a sentence or two, for readers."),
    )
    noted_at = models.DateTimeField(
        _("noted at"), default=timezone.now, help_text=_("Shown to readers with the note.")
    )

    history = revisions()

    class Meta:
        ordering = ["noted_at", "id"]
        get_latest_by = "noted_at"
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self):
        return self.text[:80]

    def get_absolute_url(self):
        return self.article.get_absolute_url()


class PendingUpdate(models.Model):
    """An agency update that was not applied because an editor had changed the article since
    its last import. An editor reviews it and applies or dismisses it."""

    class Resolution(models.TextChoices):
        APPLIED = "applied", _("applied")
        DISMISSED = "dismissed", _("dismissed")

    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.CASCADE,
        related_name="pending_updates",
    )
    ingest_record = models.ForeignKey(
        "IngestRecord",
        verbose_name=_("raw input"),
        on_delete=models.PROTECT,
        related_name="pending_updates",
    )
    record = models.JSONField(_("parsed update"), help_text=_("The update as parsed."))
    created_at = models.DateTimeField(_("received"), auto_now_add=True)
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=Resolution.choices, blank=True
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("pending agency update")
        verbose_name_plural = _("pending agency updates")

    def __str__(self):
        return f"Update of “{self.article}” received {self.created_at:%Y-%m-%d %H:%M}"


class AlertQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=at), starts_at__lte=at)


class Alert(models.Model):
    """A breaking-news alert, shown as a banner on every page while it is active."""

    text = models.CharField(
        _("text"), max_length=280, help_text=_("One short sentence, shown in the banner.")
    )
    url = models.URLField(_("link"), blank=True, help_text=_("Optional: where the banner links."))
    starts_at = models.DateTimeField(
        _("active from"), default=timezone.now, help_text=_("The banner appears at this time.")
    )
    ends_at = models.DateTimeField(
        _("active until"), null=True, blank=True, help_text=_("Empty: until someone ends it.")
    )

    objects = AlertQuerySet.as_manager()
    history = revisions()

    class Meta:
        ordering = ["-starts_at"]
        get_latest_by = "starts_at"
        verbose_name = _("breaking-news alert")
        verbose_name_plural = _("breaking-news alerts")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="alert_ends_after_start",
                violation_error_message=_("An alert must end after it starts."),
            ),
        ]

    def __str__(self):
        return self.text

    def is_active(self, at=None):
        """Mirrors AlertQuerySet.active() for one alert in hand."""
        at = at or timezone.now()
        return self.starts_at <= at and (self.ends_at is None or self.ends_at > at)


class IngestRecord(models.Model):
    """One raw input as received, kept whatever became of it."""

    class Outcome(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        UNCHANGED = "unchanged", _("unchanged")
        # An update held back because an editor changed the article since its last import.
        HELD = "held", _("held for review")
        # A lower version than the one imported last: nothing changed.
        STALE = "stale", _("skipped (stale)")
        # The agency canceled (or withdrew) the story: the article was withdrawn, not deleted.
        WITHDRAWN = "withdrawn", _("withdrawn")
        # Nothing for readers: e.g. a cancellation of a story never imported, or of one that
        # is still a draft here (kept unpublished, marked canceled: see ingest.writer).
        SKIPPED = "skipped", _("skipped")
        FAILED = "failed", _("failed")

    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("received by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The editor who imported it in the admin."),
    )
    operator = models.CharField(
        _("operator"),
        max_length=150,
        blank=True,
        help_text=_(
            "Who imported it: the editor's user name, or the system user who ran the command."
        ),
    )
    channel = models.CharField(
        _("channel"), max_length=20, help_text=_("How it arrived: “command” or “admin”.")
    )
    filename = models.CharField(_("file name"), max_length=500)
    raw = models.BinaryField(_("original bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    format = models.CharField(
        _("format"),
        max_length=20,
        blank=True,
        help_text=_("The format read (detected or forced): capture, ninjs, newsml-g2 or html."),
    )
    warnings = models.JSONField(
        _("warnings"),
        default=list,
        blank=True,
        help_text=_("What the parser and sanitiser noticed."),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    message = models.TextField(_("message"), blank=True)
    article = models.ForeignKey(
        Article,
        verbose_name=_("article"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ingest_records",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        get_latest_by = "received_at"
        verbose_name = _("ingest record")
        verbose_name_plural = _("ingest records")

    def __str__(self):
        return f"{self.filename} ({self.outcome})"


class OwedInvalidation(models.Model):
    """A page-cache invalidation that could not be made when its change committed (the cache
    was unreachable): kept here, in the database the change went to, until a process reaches
    the cache again and starts the new generation (articles.reader.page_cache.settle_debts). Without
    it the cache, once back, would serve the pages from before the change."""

    created_at = models.DateTimeField(_("owed since"), auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("owed page-cache invalidation")
        verbose_name_plural = _("owed page-cache invalidations")

    def __str__(self):
        return f"owed since {self.created_at:%Y-%m-%d %H:%M:%S}"


# The photo library's models live in their own room (tables of this app).
from articles.photos.models import Photo, Rendition  # noqa: E402,F401
