from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("База знаний")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kb.demo import seed_articles
        from kb.search import ARTICLE_KINDS, documents
        from search.index import register_source
        from tickets.demo import EXTRA_SEEDERS

        register_source("kb", documents, kinds=ARTICLE_KINDS)
        if seed_articles not in EXTRA_SEEDERS:
            EXTRA_SEEDERS.append(seed_articles)
