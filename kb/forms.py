"""Forms of the knowledge base; every change is a service call in the view."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant
from kb.models import ArticleCategory, ArticleStatus, Visibility


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("Заголовок"), max_length=200)
    slug = forms.SlugField(label=_("Адрес (латиницей)"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Раздел"), queryset=ArticleCategory.objects.none(), required=False
    )
    tags = forms.CharField(label=_("Метки"), max_length=300, required=False, help_text=_("Через запятую."))
    visibility = forms.ChoiceField(label=_("Видимость"), choices=Visibility.choices)
    status = forms.ChoiceField(label=_("Статус"), choices=ArticleStatus.choices)
    body_html = forms.CharField(
        label=_("Текст"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("HTML: абзацы, заголовки h2–h4, списки, ссылки, таблицы, код и изображения."),
    )
    image = forms.FileField(label=_("Добавить изображение (PNG, JPEG, GIF, WebP)"), required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ArticleCategory.objects.for_tenant(tenant)  # type: ignore[attr-defined]


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Название"), max_length=200)
    description = forms.CharField(label=_("Описание"), max_length=500, required=False)
    ordering = forms.IntegerField(label=_("Порядок"), min_value=0, initial=0)
