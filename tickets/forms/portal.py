"""Client forms of the portal: a new ticket (per tenant), a reply, an objection, a rating."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant
from tickets.attachment_policy import attachment_refusal
from tickets.forms.subject_rules import is_generic_subject
from tickets.models import Category, Contact, CustomField, CustomFieldType, Priority
from tickets.services import NewAttachment

#: Contact details the new-ticket form asks for (SaveIT's form), in display order.
CONTACT_FIELDS: dict[str, Any] = {
    "organization": _("Организация"),
    "full_name": _("ФИО"),
    "position": _("Должность"),
    "phone": _("Телефон"),
}
MAX_FILES = 10


def required_contact_fields(tenant: Tenant) -> set[str]:
    wanted = {part.strip() for part in tenant.portal_required_contact_fields.split(",")}
    return wanted & CONTACT_FIELDS.keys()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each checked against the tenant's attachment policy."""

    def __init__(self, *, tenant: Tenant, **kwargs: Any) -> None:
        self.tenant = tenant
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise forms.ValidationError(_("Не больше %(n)s файлов за раз.") % {"n": MAX_FILES})
        errors = []
        for upload in files:
            refusal = attachment_refusal(self.tenant, filename=upload.name or "", size=upload.size or 0)
            if refusal:
                errors.append(forms.ValidationError(refusal, code="attachment_policy"))
        if errors:
            raise forms.ValidationError(errors)
        return files


def attachments_from(files: list[UploadedFile]) -> list[NewAttachment]:
    return [
        NewAttachment(
            filename=upload.name or "attachment",
            content=upload.read(),
            content_type=upload.content_type or "application/octet-stream",
        )
        for upload in files
    ]


def _attachments_field(tenant: Tenant) -> MultipleFileField:
    allowed = tenant.allowed_attachment_extensions.strip()
    hint = _("Разрешены: %(types)s; до %(mb)s МБ каждый.") % {
        "types": allowed or _("любые файлы, кроме исполняемых"),
        "mb": tenant.max_attachment_mb,
    }
    return MultipleFileField(tenant=tenant, label=_("Вложения"), help_text=hint)


class TicketCreateForm(forms.Form):
    """A new ticket, shaped by the tenant: categories, priority choice, custom and contact fields."""

    subject = forms.CharField(
        label=_("Тема"),
        max_length=300,
        help_text=_("Коротко и конкретно: что не работает и где. Например: «Не выгружается отчёт за март»."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Описание"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Что произошло, текст ошибки, шаги, что менялось перед этим."),
    )

    def __init__(self, *args: Any, tenant: Tenant, contact: Contact, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.contact = contact
        categories = Category.objects.for_tenant(tenant).filter(is_active=True).order_by("ordering", "name")
        self.category_list = list(categories)
        if self.category_list:
            self.fields["category"] = forms.ModelChoiceField(
                queryset=categories, label=_("Категория"), required=False, empty_label=_("— не знаю —")
            )
        if tenant.clients_choose_priority:
            self.fields["priority"] = forms.TypedChoiceField(
                label=_("Приоритет"),
                choices=Priority.choices,
                coerce=int,
                required=False,
                empty_value=None,
                initial=Priority.NORMAL,
                help_text=_("Если у категории свой приоритет, действует он."),
            )
        self.custom_field_defs = list(CustomField.objects.for_tenant(tenant).order_by("ordering", "pk"))
        for definition in self.custom_field_defs:
            self.fields[f"cf_{definition.key}"] = self._custom_field(definition)
        required = required_contact_fields(tenant)
        initial = {
            "organization": contact.organization.name if contact.organization_id else "",
            "full_name": contact.full_name,
            "position": contact.position,
            "phone": contact.phone,
        }
        for key, label in CONTACT_FIELDS.items():
            self.fields[f"contact_{key}"] = forms.CharField(
                label=label,
                required=key in required,
                max_length=200,
                initial=initial[key],
                widget=forms.TextInput(attrs={"autocomplete": _AUTOCOMPLETE[key]}),
            )
        self.fields["attachments"] = _attachments_field(tenant)
        self.fields["not_duplicate"] = forms.BooleanField(
            required=False, label=_("Это другая проблема — всё равно создать заявку")
        )

    @staticmethod
    def _custom_field(definition: CustomField) -> forms.Field:
        common = {
            "label": definition.label,
            "required": definition.required,
            "help_text": definition.help_text,
        }
        if definition.field_type == CustomFieldType.NUMBER:
            return forms.DecimalField(**common)
        if definition.field_type == CustomFieldType.CHOICE:
            choices = [(c, c) for c in definition.choice_list()]
            return forms.ChoiceField(choices=[("", "—"), *choices], **common)
        return forms.CharField(max_length=300, **common)

    def clean_subject(self) -> str:
        subject = self.cleaned_data["subject"].strip()
        if is_generic_subject(subject):
            raise forms.ValidationError(
                _(
                    "Тема должна описывать проблему конкретно, например: «Не открывается отчёт по продажам "
                    "за март». Темы вроде «Помогите», «Вопрос» или «Проблема» не принимаются."
                ),
                code="generic_subject",
            )
        return subject

    # --- what the view hands to the service
    def custom_field_values(self) -> dict[str, str]:
        values = {}
        for definition in self.custom_field_defs:
            value = self.cleaned_data.get(f"cf_{definition.key}")
            if value not in (None, ""):
                values[definition.key] = str(value)
        return values

    def contact_details(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"contact_{key}", "").strip() for key in CONTACT_FIELDS}

    def contact_field_names(self) -> list[str]:
        return [f"contact_{key}" for key in CONTACT_FIELDS]

    def custom_field_names(self) -> list[str]:
        return [f"cf_{d.key}" for d in self.custom_field_defs]


_AUTOCOMPLETE = {
    "organization": "organization",
    "full_name": "name",
    "position": "organization-title",
    "phone": "tel",
}


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Ваш ответ"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attachments"] = _attachments_field(tenant)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("body", "").strip() and not cleaned.get("attachments") and not self.errors:
            raise forms.ValidationError(_("Напишите ответ или приложите файл."))
        return cleaned


class ObjectionForm(forms.Form):
    reason = forms.CharField(
        label=_("С чем вы не согласны?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Опишите, что не решено: заявка вернётся в работу."),
    )


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("Оценка"),
        choices=[(n, str(n)) for n in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Комментарий"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
