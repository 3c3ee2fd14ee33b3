from __future__ import annotations

from django.contrib import admin

from helpdesk.admin_scoping import TenantScopedAdmin
from kb import services
from kb.models import Article, ArticleCategory, Deflection


@admin.register(ArticleCategory)
class ArticleCategoryAdmin(TenantScopedAdmin):
    list_display = ["name", "ordering"]
    list_editable = ["ordering"]
    search_fields = ["name"]


@admin.register(Article)
class ArticleAdmin(TenantScopedAdmin):
    """Saved through ``kb.services.article_save`` like in the agent UI: sanitised and re-indexed."""

    list_display = ["title", "category", "visibility", "status", "view_count", "helpful_count", "updated_at"]
    list_filter = ["status", "visibility", "category"]
    search_fields = ["title", "tags"]
    fields = ["tenant", "title", "slug", "category", "tags", "visibility", "status", "body_html"]

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        tenant = obj.tenant if obj.tenant_id else None
        if tenant is None:
            super().save_model(request, obj, form, change)  # sets the tenant admin's tenant
            tenant = obj.tenant
        saved = services.article_save(
            tenant=tenant,
            actor=request.user,
            article=obj if obj.pk else None,
            title=obj.title,
            slug=obj.slug,
            body_html=obj.body_html,
            category=obj.category,
            tags=obj.tags,
            visibility=obj.visibility,
            status=obj.status,
        )
        obj.pk = saved.pk


@admin.register(Deflection)
class DeflectionAdmin(TenantScopedAdmin):
    list_display = ["created_at", "article", "contact", "subject"]
    readonly_fields = ["article", "contact", "subject", "created_at"]

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
