"""Pages of article lists without counting the list.

Django's Paginator counts every matching row (SELECT COUNT(*)) to number the pages: on the home
page of an archive of a million articles, on every request. Readers of a news site page by
"Newer articles" / "Older articles" instead, so these pages fetch one row more than a page
holds to know whether an older page exists, and never count. The page number is still in the
address (?page=3) and the title; a page past the end is a 404, as with Django's.

Without a count, any page number may be asked for; the databases take OFFSET and LIMIT as
64-bit integers (PostgreSQL: "bigint out of range"; SQLite's driver: OverflowError), so a page
whose rows lie beyond them (?page=99999999999999999999) is past the end without a query.
"""

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator

# The largest OFFSET + LIMIT the databases take (a signed 64-bit integer).
MAX_ROW = 2**63 - 1


class UncountedPaginator(Paginator):
    # Nothing to count: pagination.html then says "Page 3", not "Page 3 of 5,000".
    num_pages = None

    def validate_number(self, number):
        try:
            if isinstance(number, float) and not number.is_integer():
                raise ValueError
            number = int(number)
        except (TypeError, ValueError) as error:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from error
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        if number > self.last_reachable_page:
            raise EmptyPage(self.error_messages["no_results"])
        return number

    @property
    def last_reachable_page(self):
        """The last page whose rows, and the one more page() fetches, the database can reach:
        its OFFSET + LIMIT, number * per_page + 1, is at most MAX_ROW."""
        return (MAX_ROW - 1) // self.per_page

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and (number > 1 or not self.allow_empty_first_page):
            raise EmptyPage(self.error_messages["no_results"])
        return UncountedPage(
            rows[: self.per_page], number, self, has_next=len(rows) > self.per_page
        )


class UncountedPage(Page):
    def __init__(self, object_list, number, paginator, *, has_next):
        super().__init__(object_list, number, paginator)
        self._has_next = has_next

    def has_next(self):
        return self._has_next

    def start_index(self):
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self):
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class UncountedPagination:
    """For ListView-based views: pages without a COUNT query."""

    paginator_class = UncountedPaginator
