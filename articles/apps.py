from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from simple_history.signals import (
            post_create_historical_record,
            pre_create_historical_record,
        )

        from . import revisions

        # Every historical record: the change reason, user and time of its revision() block,
        # and the IP address of the request (simple-history's documented way to add fields).
        pre_create_historical_record.connect(
            revisions.fill_revision_origin, dispatch_uid="articles.revision_origin"
        )
        post_create_historical_record.connect(
            revisions.collect_revision, dispatch_uid="articles.revision_collect"
        )
