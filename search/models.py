"""One row per searchable piece of text: a ticket (subject, number, requester, organisation), a message or
internal note, a contact, a knowledge-base article's title or body.

``terms`` holds the normalised terms of ``search.text``; the full-text index over it is SQLite's FTS5
table or PostgreSQL's generated ``tsvector`` column with a GIN index (both in ``search.fts``). The row
ids are never reused (AUTOINCREMENT on SQLite, a sequence on PostgreSQL) and grow with time, so "newest
first" is ``-id`` on both databases.

Related objects are plain ids, not foreign keys: the search app sits below the domain apps that feed it
(``tickets``, ``kb``), and every result is joined back to their own tenant-scoped querysets anyway.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.tenancy import TenantOwned


class Kind(models.TextChoices):
    TICKET = "ticket", _("заявка")
    MESSAGE = "message", _("сообщение")
    NOTE = "note", _("внутренняя заметка")
    CONTACT = "contact", _("контакт")
    ARTICLE_TITLE = "article_title", _("заголовок статьи")
    ARTICLE_BODY = "article_body", _("текст статьи")


class Weight(models.IntegerChoices):
    """Relevance: where the words were found. Results are ordered by weight, then newest first."""

    TEXT = 1, _("текст")
    PERSON = 2, _("человек")
    TITLE = 3, _("тема или заголовок")


class SearchEntry(TenantOwned):
    tenant = models.ForeignKey(
        "helpdesk.Tenant", on_delete=models.CASCADE, related_name="+", verbose_name=_("арендатор")
    )
    kind = models.CharField(_("вид"), max_length=16, choices=Kind.choices)
    object_id = models.BigIntegerField(_("объект"))
    ticket_id = models.BigIntegerField(_("заявка"), null=True, blank=True)
    public = models.BooleanField(_("видна клиенту"), default=True)
    weight = models.PositiveSmallIntegerField(_("вес"), choices=Weight.choices)
    terms = models.TextField(_("термы"))

    class Meta:
        verbose_name = _("запись поискового индекса")
        verbose_name_plural = _("поисковый индекс")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="search_entry_unique_object")
        ]
        indexes = [
            # The newest matches of one kind first: an ordered scan that stops early for common words.
            models.Index(fields=["tenant", "kind", "-id"], name="search_entry_recent"),
            models.Index(fields=["ticket_id"], name="search_entry_ticket"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}"
