"""Import many files, one at a time: the walk of a directory tree, and a fast path for files
that were imported before and are still what the database holds.

`import_files(paths, parse=..., **options)` yields `(path, IngestResult)` for every file, in
the order `walk(paths)` gives them. Memory stays flat whatever the number of files: the walk
is a generator, files are read in chunks of CHUNK_SIZE, and nothing is kept once a chunk is
done (the caller counts outcomes as they come).

Every file that is not skipped goes through `articles.ingest.writer.ingest`, in its own
transaction with its ingest record, so an import killed half-way leaves each file imported
entirely or not at all, and running it again finishes the job.

The fast path. Re-importing an archive is mostly identical files, and the writer would parse
each one, look its article up and lock it, find the same content and write an "unchanged"
record with a copy of the bytes. Per chunk, instead:

1. one query finds the files whose exact bytes (SHA-256) were already imported successfully
   (created, updated or unchanged) into an article that still exists;
2. only those files are parsed, and one query (locking the rows), plus one per agency name,
   checks that the writer would call each of them unchanged: that article has the agency the
   writer would take for the file and the file's natural key, the same content checksum now,
   no newer version, no agency description to fill in; the file is no cancellation, and not
   a draft to publish with --publish;
3. the files that pass get their "unchanged" ingest records in one INSERT, in that same
   transaction. The bytes are not stored a second time: the record's `raw` is empty and its
   message names the earlier record that keeps them (same `sha256`).

Anything else (new bytes, an article edited or re-imported since with other content, a
deleted article, an earlier failure, a different parser's reading of the same bytes) is left
to the writer, which decides as it always does. Files are decided in order: a file that the
writer changes an article with is written before the next files are checked, so a chunk
gives the same outcomes as importing its files one by one.
"""

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from django.db import transaction
from django.db.models import Min

from articles.models import Agency, Article, IngestRecord, identifier_key

from .records import ArticleRecord, IngestError
from .writer import CANCELED, IngestResult, _retrying, content_checksum, ingest, natural_key

Outcome = IngestRecord.Outcome
CHUNK_SIZE = 250
SUCCEEDED = (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)


def walk(paths: Iterable[str]) -> Iterator[tuple[str, str]]:
    """(path, error) for each file to import, error "" unless the path cannot be listed.

    A path that is not a directory is yielded as given (reading it may still fail). A directory
    is replaced by the files of its tree, depth first, each directory's entries in name order;
    names starting with "." (hidden files and directories) are skipped, and symbolic links to
    directories are not followed.
    """
    for path in paths:
        if os.path.isdir(path):
            yield from _tree(path)
        else:
            yield path, ""


def _tree(directory: str) -> Iterator[tuple[str, str]]:
    try:
        with os.scandir(directory) as listing:
            entries = sorted(
                (entry.name, entry.is_dir(follow_symlinks=False), entry.is_file())
                for entry in listing
                if not entry.name.startswith(".")
            )
    except OSError as error:
        yield directory, f"cannot list the directory: {error.strerror}"
        return
    for name, is_dir, is_file in entries:
        path = os.path.join(directory, name)
        if is_dir:
            yield from _tree(path)
        elif is_file:
            yield path, ""


def count(paths: Iterable[str]) -> int:
    """How many files walk(paths) yields (a walk of its own, holding no names)."""
    return sum(1 for _ in walk(paths))


@dataclass
class _File:
    path: str
    data: bytes | None = None
    error: str = ""
    sha256: str = ""
    # The fast path's view: earlier successful records of the same bytes, per article.
    earlier: dict[int, int] | None = None  # article id -> id of the earliest such record
    record: ArticleRecord | None = None

    @classmethod
    def read(cls, path, error):
        if error:
            return cls(path, error=error)
        try:
            with open(path, "rb") as file:
                data = file.read()
        except OSError as error:
            return cls(path, error=f"cannot read: {error.strerror}")
        return cls(path, data=data, sha256=hashlib.sha256(data).hexdigest())


def import_files(
    paths: Iterable[str],
    *,
    parse: Callable[[bytes], ArticleRecord] | None,
    channel: str,
    user=None,
    operator: str = "",
    publish: bool = False,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    **writer_options,
) -> Iterator[tuple[str, IngestResult]]:
    """Import every file under paths; yield (path, result) for each, in walk order.

    parse is the parser the writer would use (same options), for the fast path; None turns
    the fast path off (every file goes through the writer). writer_options go to the writer
    as they are.
    """
    options = {
        "channel": channel,
        "user": user,
        "operator": operator,
        "publish": publish,
        "dry_run": dry_run,
        **writer_options,
    }
    fast = _FastPath(parse, options) if parse is not None else None
    files = walk(paths)
    while chunk := [_File.read(path, error) for path, error in islice(files, chunk_size)]:
        if fast is not None:
            fast.find_earlier(chunk)
        position = 0
        while position < len(chunk):
            run = fast.run_from(chunk, position) if fast is not None else []
            for file, result in run:
                yield file.path, result
            position += len(run)
            if position < len(chunk):
                file = chunk[position]
                yield file.path, _write(file, options)
                position += 1


def _write(file: _File, options) -> IngestResult:
    if file.error:
        return IngestResult(Outcome.FAILED, error=file.error)
    return ingest(file.data, filename=file.path, **options)


class _FastPath:
    def __init__(self, parse, options):
        self.parse = parse
        self.options = options
        self.user = options["user"]
        # As the writer records it.
        operator = options["operator"] or (self.user.get_username() if self.user else "")
        self.operator = operator[:150]

    def find_earlier(self, chunk: list[_File]) -> None:
        """Step 1 (one query): earlier successful imports of each file's exact bytes."""
        by_sha = {file.sha256: file for file in chunk if file.data is not None}
        earlier = (
            IngestRecord.objects.filter(
                sha256__in=by_sha, outcome__in=SUCCEEDED, article__isnull=False
            )
            .exclude(raw=b"")  # the records that keep the bytes
            .values_list("sha256", "article_id")
            .annotate(first=Min("pk"))
            .order_by()
        )
        found = {}
        for sha256, article_id, first in earlier:
            found.setdefault(sha256, {})[article_id] = first
        for file in chunk:
            file.earlier = found.get(file.sha256)

    def _parsed(self, file: _File) -> bool:
        if file.earlier and file.record is None:
            try:
                file.record = self.parse(file.data)
            except IngestError:
                file.earlier = None  # the writer reports the failure
        return file.record is not None

    def run_from(self, chunk: list[_File], start: int) -> list[tuple[_File, IngestResult]]:
        """Steps 2 and 3 for the files from chunk[start] on that passed step 1, up to the first
        one that does not pass: [(file, result)] for those found unchanged, their records
        written (one transaction). The article rows stay locked until it ends."""
        end = start
        while end < len(chunk) and self._parsed(chunk[end]):
            end += 1
        if end == start:
            return []
        candidates = chunk[start:end]

        def check_and_record():
            with transaction.atomic():
                articles = self._articles(candidates)
                agencies = self._agencies(candidates)
                unchanged = []
                for file in candidates:
                    match = self._unchanged(file, articles, agencies)
                    if match is None:
                        break
                    unchanged.append((file, *match))
                if not self.options["dry_run"]:
                    IngestRecord.objects.bulk_create(
                        self._ingest_record(file, article, first)
                        for file, article, first in unchanged
                    )
                return unchanged

        unchanged = _retrying(check_and_record)
        return [
            (file, IngestResult(Outcome.UNCHANGED, article, file.record, format=file.record.format))
            for file, article, _first in unchanged
        ]

    @staticmethod
    def _articles(files: list[_File]) -> dict[int, Article]:
        ids = {article_id for file in files for article_id in file.earlier}
        return {
            article.pk: article
            for article in Article.objects.select_for_update()
            .filter(pk__in=ids)
            .only(
                "agency",
                "slug",
                "headline",
                "status",
                "external_key",
                "external_version",
                "source_checksum",
            )
            .order_by("pk")
        }

    @staticmethod
    def _agencies(files: list[_File]) -> dict[str, Agency | None]:
        """The agency the writer would take for each agency name (writer._agency: the first
        whose name matches whatever the case): one query per name, a few per chunk."""
        names = {file.record.agency.name for file in files if file.record.agency}
        return {
            name: Agency.objects.filter(name__iexact=name)
            .order_by("pk")
            .only("description")
            .first()
            for name in names
        }

    def _unchanged(self, file: _File, articles, agencies) -> tuple[Article, int] | None:
        """(article, earliest record of the bytes) if the writer would find this file's
        article and call the file unchanged, else None. Mirrors writer._upsert and _agency."""
        record = file.record
        if record.pubstatus in CANCELED:
            return None  # the writer withdraws, or says why not
        key = natural_key(record)
        key_hash = identifier_key(key)  # what the writer looks the article up by
        checksum = content_checksum(record)
        for article_id, first in file.earlier.items():
            article = articles.get(article_id)
            if (
                article is None
                or not key
                or article.external_key != key_hash
                or article.source_checksum != checksum
            ):
                continue
            agency = agencies[record.agency.name] if record.agency else None
            if article.agency_id != (agency.pk if agency else None):
                continue
            if agency is not None and record.agency.description and not agency.description:
                return None  # the writer would fill in the agency's description
            if self.options["publish"] and article.status == Article.Status.DRAFT:
                return None  # the writer would publish it
            if (
                record.version is not None
                and article.external_version is not None
                and record.version < article.external_version
            ):
                return None  # stale: a withdrawal raised the version since
            return article, first
        return None

    def _ingest_record(self, file: _File, article: Article, first: int) -> IngestRecord:
        return IngestRecord(
            filename=file.path[:500],
            channel=self.options["channel"],
            received_by=self.user,
            operator=self.operator,
            raw=b"",
            sha256=file.sha256,
            format=file.record.format[:20],
            warnings=list(file.record.warnings),
            outcome=Outcome.UNCHANGED,
            article=article,
            message=f"same bytes as ingest record #{first}, which keeps them",
        )
