"""Article admin: roles and the publishing workflow (publish, schedule, withdraw, delete),
corrections, and previews of unpublished articles."""


class WorkflowAdminMixin:
    pass
