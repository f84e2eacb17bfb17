"""Import many files, one at a time: the walk of a directory tree, and a fast path for files
that were imported before and are still what the database holds.

`import_files(paths, parse=..., **options)` yields `(path, IngestResult)` for every file, in
the order `walk(paths)` gives them. Memory stays flat whatever the number of files: the walk
is a generator, files are read in chunks of at most CHUNK_SIZE files and CHUNK_BYTES bytes,
a file larger than settings.INGEST_MAX_FILE_BYTES is refused without being read, and nothing
is kept once a chunk is done (the caller counts outcomes as they come).

Only regular files are read. A symbolic link is not followed unless follow_links says so, and
then only to a path inside the folder given (an agency's drop folder must not hand over the
project's .env); a FIFO, a device or a socket is refused without being opened (reading
/dev/zero never ends, a FIFO with no writer blocks forever). Each refusal is a failed result
naming the reason, like a file that cannot be read, and no ingest record keeps its bytes.

Every file that is not skipped goes through `articles.ingest.writer.ingest`, in its own
transaction with its ingest record, so an import killed half-way leaves each file imported
entirely or not at all, and running it again finishes the job.

The fast path. Re-importing an archive is mostly identical files, and the writer would parse
each one, look its article up and lock it, find the same content and write an "unchanged"
record with a copy of the bytes. Per chunk, instead:

1. one query finds the files whose exact bytes (SHA-256) were already imported successfully
   (created, updated or unchanged) into an article that still exists;
2. only those files are parsed, and one query (locking the rows), plus one per agency name,
   checks, asking the writer, that it would call each of them unchanged: that article is the
   one the writer finds for the file (writer.find_agency, writer.is_article_of), it leaves it
   as it is (writer.leaves_unchanged: the same content checksum now, no newer version, not a
   draft to publish with --publish), there is no agency description to fill in
   (writer.fills_description), and the file is no cancellation (agency_status.cancels);
3. the files that pass get their "unchanged" ingest records in one INSERT, in that same
   transaction. The bytes are not stored a second time: the record's `raw` is empty and its
   message names the earlier record that keeps them (same `sha256`).

Anything else (new bytes, an article edited or re-imported since with other content, a
deleted article, an earlier failure, a different parser's reading of the same bytes) is left
to the writer, which decides as it always does. Files are decided in order: a file that the
writer changes an article with is written before the next files are checked, so a chunk
gives the same outcomes as importing its files one by one.
"""

import errno
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Min

from articles.models import Agency, Article, IngestRecord

from .agency_status import cancels
from .records import ArticleRecord, IngestError
from .writer import (
    IngestResult,
    content_checksum,
    fills_description,
    find_agency,
    ingest,
    is_article_of,
    leaves_unchanged,
    retrying,
)

Outcome = IngestRecord.Outcome
CHUNK_SIZE = 250
# A chunk's files are all in memory at once (with the next file, read before the chunk ends).
CHUNK_BYTES = 64 * 1024 * 1024
SUCCEEDED = (Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED)

LINK = (
    "a symbolic link, not followed (use --follow-links to import what it points to inside "
    "the folder)"
)
LINK_OUTSIDE = "a symbolic link to outside the folder, not followed"
LINK_LOOP = "a symbolic link loop, not followed"
LINK_MISSING = "a symbolic link to a missing file, not followed"


class Refused(Exception):
    """A path that is not read, with the reason (the message is the whole error)."""


def walk(paths: Iterable[str], *, follow_links: bool = False) -> Iterator[tuple[str, str]]:
    """(path, error) for each file to import, error "" unless the path is refused as it stands
    or cannot be listed.

    A path that is not a directory is yielded as given (reading it may still fail). A directory
    is replaced by the files of its tree, depth first, each directory's entries in name order;
    names starting with "." (hidden files and directories) are skipped. A symbolic link, in a
    tree or given as a path, is refused (LINK) unless follow_links; with it, a link is followed
    only to a file or directory inside the folder given (for a link given as a path, the folder
    that holds it), never out of it (LINK_OUTSIDE), nor round a loop (LINK_LOOP).
    """
    for path, error, _source in _found(paths, follow_links):
        yield path, error


def _found(paths: Iterable[str], follow_links: bool) -> Iterator[tuple[str, str, str]]:
    """walk()'s (path, error) with the source to open: the path itself, or for a link that is
    followed the real path it resolved to (no link left in it, so it is opened with
    O_NOFOLLOW and a link swapped in meanwhile is refused, not followed)."""
    for path in paths:
        # The last name of the path, even written "link/" (as a shell's */ gives links to
        # directories), which the system would resolve; links before it are the operator's.
        name = path.rstrip(os.sep) or path
        if os.path.islink(name):
            folder = os.path.realpath(os.path.dirname(os.path.abspath(name)))
            yield from _link(path, folder, follow_links, ancestors=frozenset())
        elif os.path.isdir(path):
            yield from _tree(path, follow_links=follow_links)
        else:
            yield path, "", path


def _inside(real: str, root: str) -> bool:
    return os.path.commonpath([root, real]) == root


def _link(path, root, follow_links, ancestors) -> Iterator[tuple[str, str, str]]:
    """The link at path, refused or followed (see walk)."""
    if not follow_links:
        yield path, LINK, ""
        return
    real = os.path.realpath(path)  # a loop is left unresolved, for os.stat to tell (ELOOP)
    if not _inside(real, root):
        yield path, LINK_OUTSIDE, ""
        return
    try:
        is_dir = stat.S_ISDIR(os.stat(real).st_mode)
    except OSError as error:
        yield path, LINK_LOOP if error.errno == errno.ELOOP else LINK_MISSING, ""
        return
    if not is_dir:
        yield path, "", real
    elif real in ancestors:  # a link to a folder that holds it
        yield path, LINK_LOOP, ""
    else:
        yield from _tree(path, real, root, follow_links, ancestors)


def _tree(
    directory: str, real=None, root=None, follow_links=False, ancestors=frozenset()
) -> Iterator[tuple[str, str, str]]:
    """The files under directory, named under it, listed from its real path (the path
    a followed link resolved to); root is the real folder no link may lead out of."""
    real = real or os.path.realpath(directory)
    root = root or real
    ancestors = ancestors | {real}
    try:
        with os.scandir(real) as listing:
            entries = sorted(
                (entry.name, entry.is_symlink(), entry.is_dir(follow_symlinks=False))
                for entry in listing
                if not entry.name.startswith(".")
            )
    except OSError as error:
        yield directory, f"cannot list the directory: {error.strerror}", ""
        return
    for name, is_link, is_dir in entries:
        path, source = os.path.join(directory, name), os.path.join(real, name)
        if is_link:
            yield from _link(path, root, follow_links, ancestors)
        elif is_dir:
            yield from _tree(path, source, root, follow_links, ancestors)
        else:  # a regular file, or a special one that reading refuses
            yield path, "", source


def count(paths: Iterable[str], *, follow_links: bool = False) -> int:
    """How many files walk(paths) yields (a walk of its own, holding no names)."""
    return sum(1 for _ in walk(paths, follow_links=follow_links))


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, for the refusal."""
    if stat.S_ISFIFO(mode):
        return " (a FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return " (a device)"
    if stat.S_ISSOCK(mode):
        return " (a socket)"
    if stat.S_ISDIR(mode):
        return " (a directory)"
    return ""


def _too_large(size: str, limit: int) -> Refused:
    return Refused(f"too large: {size} bytes (the limit is {limit} bytes, INGEST_MAX_FILE_BYTES)")


def _readable_size(status: os.stat_result, limit: int) -> int:
    """The size of a regular file no larger than limit; Refused for anything else."""
    if stat.S_ISLNK(status.st_mode):
        raise Refused(LINK)
    if not stat.S_ISREG(status.st_mode):
        raise Refused(f"not a regular file{_kind(status.st_mode)}")
    if status.st_size > limit:
        raise _too_large(str(status.st_size), limit)
    return status.st_size


def read_regular(path: str, limit: int) -> bytes:
    """The bytes of the regular file at path, at most limit of them.

    Refused, before it is opened, if path is a symbolic link, a FIFO, a device or a socket or
    a file larger than limit; and checked again on the open file (opened without following a
    link, nor waiting for a FIFO's writer), in case the path was swapped in between. A file
    that grows while it is read is read no further than one byte past the limit.
    """
    _readable_size(os.lstat(path), limit)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        if error.errno == errno.ELOOP:  # a link swapped in since lstat
            raise Refused(LINK) from None
        raise
    with os.fdopen(fd, "rb") as file:
        size = _readable_size(os.fstat(fd), limit)
        data = file.read(size + 1)  # one byte more: whether it grew since fstat
        if len(data) > size:
            data += file.read(limit + 1 - len(data))
            if len(data) > limit:
                raise _too_large(f"more than {limit}", limit)
    return data


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
    def read(cls, path, error, source=None, limit=None):
        """The file at path (opened at source, when walk() resolved a link), or the reason it
        is not read."""
        if error:
            return cls(path, error=error)
        limit = settings.INGEST_MAX_FILE_BYTES if limit is None else limit
        try:
            data = read_regular(source or path, limit)
        except Refused as refusal:
            return cls(path, error=str(refusal))
        except OSError as error:
            return cls(path, error=f"cannot read: {error.strerror}")
        return cls(path, data=data, sha256=hashlib.sha256(data).hexdigest())

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else 0


def chunks(files: Iterable[_File], *, count: int, max_bytes: int) -> Iterator[list[_File]]:
    """The files in lists of at most count files and max_bytes bytes of data, never empty: a
    chunk ends at its count-th file, or before a file that would take it past max_bytes (so a
    file larger than max_bytes makes a chunk of its own). That file is read before the chunk
    is given, as its size is known only then: the chunk and that one file are all the data
    held, at most max_bytes + INGEST_MAX_FILE_BYTES."""
    chunk, size = [], 0
    for file in files:
        if chunk and size + file.size > max_bytes:
            yield chunk
            chunk, size = [], 0
        chunk.append(file)
        size += file.size
        if len(chunk) >= count:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def import_files(
    paths: Iterable[str],
    *,
    parse: Callable[[bytes], ArticleRecord] | None,
    channel: str,
    user=None,
    operator: str = "",
    publish: bool = False,
    dry_run: bool = False,
    follow_links: bool = False,
    chunk_size: int = CHUNK_SIZE,
    chunk_bytes: int | None = None,
    **writer_options,
) -> Iterator[tuple[str, IngestResult]]:
    """Import every file under paths; yield (path, result) for each, in walk order.

    parse is the parser the writer would use (same options), for the fast path; None turns
    the fast path off (every file goes through the writer). follow_links is walk()'s;
    chunk_bytes (default CHUNK_BYTES, read at the call) bounds a chunk's bytes as chunk_size
    bounds its files. writer_options go to the writer as they are.
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
    limit = settings.INGEST_MAX_FILE_BYTES
    files = (_File.read(*found, limit=limit) for found in _found(paths, follow_links))
    max_bytes = CHUNK_BYTES if chunk_bytes is None else chunk_bytes
    for chunk in chunks(files, count=chunk_size, max_bytes=max_bytes):
        yield from _import_chunk(chunk, fast, options)
        chunk.clear()  # its bytes go before the next chunk is read, not after


def _import_chunk(chunk: list[_File], fast, options) -> Iterator[tuple[str, IngestResult]]:
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

        unchanged = retrying(check_and_record)
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
        """The agency the writer would take for each agency name (writer.find_agency): one
        query per name, a few per chunk."""
        names = {file.record.agency.name for file in files if file.record.agency}
        return {name: find_agency(name, "description") for name in names}

    def _unchanged(self, file: _File, articles, agencies) -> tuple[Article, int] | None:
        """(article, earliest record of the bytes) if the writer would find this file's
        article and call the file unchanged, else None: the writer's rules, asked of it."""
        record = file.record
        if cancels(record):
            return None  # the writer withdraws, or says why not
        checksum = content_checksum(record)
        agency = agencies[record.agency.name] if record.agency else None
        for article_id, first in file.earlier.items():
            article = articles.get(article_id)
            if (
                article is None
                or not is_article_of(article, record, agency)
                or article.source_checksum != checksum
            ):
                continue
            if fills_description(agency, record):
                return None  # the writer would fill in the agency's description
            if not leaves_unchanged(
                article, record, checksum=checksum, publish=self.options["publish"]
            ):
                return None  # the writer would publish the draft, or find it stale
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
