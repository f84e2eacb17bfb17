"""Article admin: the editors' comforts: body editor with live preview, word count and reading
time, caption thumbnails, and warnings about unhelpful alt text."""


class EditingAdminMixin:
    pass
