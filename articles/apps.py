from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from simple_history.signals import (
            post_create_historical_record,
            pre_create_historical_record,
        )

        from articles import revisions
        from articles.models import Agency, Alert, Article, Author, Caption, Correction
        from articles.reader import page_cache

        # Every historical record: the change reason, user and time of its revision() block,
        # and the IP address of the request (simple-history's documented way to add fields).
        pre_create_historical_record.connect(
            revisions.fill_revision_origin, dispatch_uid="articles.revision_origin"
        )
        post_create_historical_record.connect(
            revisions.collect_revision, dispatch_uid="articles.revision_collect"
        )

        # Public pages show these: any change starts a new page-cache generation.
        for model in (Article, Caption, Agency, Author, Alert, Correction):
            for name, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    page_cache.invalidate_on_change,
                    sender=model,
                    dispatch_uid=f"articles.reader.page_cache.{name}.{model.__name__}",
                )
        m2m_changed.connect(
            page_cache.invalidate_on_change,
            sender=Article.authors.through,
            dispatch_uid="articles.reader.page_cache.m2m.authors",
        )
