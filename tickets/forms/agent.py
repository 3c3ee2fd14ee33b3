"""Forms of the agent workspace. They validate input only; every change is a service call in the view."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from helpdesk.models import Tenant, User
from search.forms import SearchField
from sla.models import SLATier
from tickets.models import Category, Contact, Organization, Priority, Queue
from tickets.statuses import Status

QUEUE_VIEWS: list[tuple[str, Any]] = [
    ("all", _("Все открытые")),
    ("mine", _("Мои")),
    ("unassigned", _("Не назначены")),
    ("warning", _("Скоро нарушение")),
    ("breached", _("Нарушено")),
    ("waiting", _("Ожидают клиента")),
]
SORTS = [("due", _("по ближайшему сроку")), ("new", _("сначала новые"))]
MAX_MINUTES = 24 * 60


def staff_of(tenant: Tenant) -> Any:
    return User.objects.filter(memberships__tenant=tenant, is_active=True).order_by("full_name", "email")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name()


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("Список"), choices=QUEUE_VIEWS, required=False)
    q = SearchField(label=_("Поиск"))
    queue = forms.ModelChoiceField(label=_("Очередь"), queryset=Queue.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Статус"), choices=[("", "—"), *Status.choices], required=False)
    priority = forms.TypedChoiceField(
        label=_("Приоритет"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    category = forms.ModelChoiceField(label=_("Категория"), queryset=Category.objects.none(), required=False)
    tier = forms.ModelChoiceField(label=_("Уровень SLA"), queryset=SLATier.objects.none(), required=False)
    organization = forms.ModelChoiceField(
        label=_("Организация"), queryset=Organization.objects.none(), required=False
    )
    assignee = StaffChoiceField(label=_("Исполнитель"), queryset=User.objects.none(), required=False)
    sort = forms.ChoiceField(label=_("Сортировка"), choices=SORTS, required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["queue"].queryset = Queue.objects.for_tenant(tenant)
        fields["category"].queryset = Category.objects.for_tenant(tenant)
        fields["tier"].queryset = SLATier.objects.for_tenant(tenant)
        fields["organization"].queryset = Organization.objects.for_tenant(tenant).only("pk", "name")
        fields["assignee"].queryset = staff_of(tenant)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Текст"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    internal = forms.BooleanField(label=_("Внутренняя заметка (клиент не увидит)"), required=False)
    minutes_spent = forms.IntegerField(
        label=_("Затрачено, мин"), min_value=0, max_value=MAX_MINUTES, required=False
    )
    then_status = forms.ChoiceField(
        label=_("Затем статус"),
        choices=[
            ("", _("не менять")),
            (Status.WAITING, Status.WAITING.label),
            (Status.RESOLVED, Status.RESOLVED.label),
        ],
        required=False,
    )
    attachments = MultipleFileField(label=_("Вложения"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("body") or "").strip() and not data.get("attachments"):
            raise ValidationError(_("Напишите текст или приложите файл."))
        return data


class ChangeForm(forms.Form):
    """One property change with its reason; ``what`` says which property."""

    WHAT = ["status", "priority", "category", "assignee", "tier"]

    what = forms.ChoiceField(choices=[(w, w) for w in WHAT], widget=forms.HiddenInput)
    status = forms.ChoiceField(label=_("Статус"), choices=Status.choices, required=False)
    priority = forms.TypedChoiceField(
        label=_("Приоритет"), choices=Priority.choices, coerce=int, required=False
    )
    category = forms.ModelChoiceField(label=_("Категория"), queryset=Category.objects.none(), required=False)
    assignee = StaffChoiceField(label=_("Исполнитель"), queryset=User.objects.none(), required=False)
    tier = forms.ModelChoiceField(label=_("Уровень SLA"), queryset=SLATier.objects.none(), required=False)
    reason = forms.CharField(label=_("Причина"), max_length=500, required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["category"].queryset = Category.objects.for_tenant(tenant).filter(is_active=True)
        fields["assignee"].queryset = staff_of(tenant)
        fields["tier"].queryset = SLATier.objects.for_tenant(tenant)


class MergeForm(forms.Form):
    target = forms.CharField(label=_("Объединить с заявкой (номер)"), max_length=30)
    reason = forms.CharField(label=_("Причина"), max_length=500, required=False)


class SplitForm(forms.Form):
    message = forms.IntegerField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Тема новой заявки"), max_length=300, required=False)


class PhoneIntakeForm(forms.Form):
    contact_email = forms.EmailField(label=_("E-mail клиента"))
    subject = forms.CharField(label=_("Тема"), max_length=300)
    body = forms.CharField(label=_("Суть обращения"), widget=forms.Textarea(attrs={"rows": 6}))
    queue = forms.ModelChoiceField(label=_("Очередь"), queryset=Queue.objects.none(), required=False)
    category = forms.ModelChoiceField(label=_("Категория"), queryset=Category.objects.none(), required=False)
    priority = forms.TypedChoiceField(
        label=_("Приоритет"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    minutes_spent = forms.IntegerField(
        label=_("Длительность звонка, мин"), min_value=0, max_value=MAX_MINUTES, required=False
    )

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        fields: dict[str, Any] = self.fields
        fields["queue"].queryset = Queue.objects.for_tenant(tenant)
        fields["category"].queryset = Category.objects.for_tenant(tenant).filter(is_active=True)

    def clean_contact_email(self) -> Contact:
        email = self.cleaned_data["contact_email"]
        contact = (
            Contact.objects.for_tenant(self.tenant)
            .select_related("organization")
            .filter(email__iexact=email)
            .first()
        )
        if contact is None:
            raise ValidationError(_("Такого контакта у клиентов нет. Сначала заведите контакт."))
        return contact


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Название фильтра"), max_length=100)
    query = forms.CharField(max_length=1000, required=False, widget=forms.HiddenInput)


class IdListField(forms.Field):
    """Checked row ids; whether the agent may see them is decided by the view's scoped queryset."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        try:
            return [int(v) for v in value or []]
        except (TypeError, ValueError) as exc:
            raise ValidationError(_("Неверный список заявок.")) from exc

    def validate(self, value: list[int]) -> None:
        if not value:
            raise ValidationError(_("Выберите заявки."))


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign", _("Назначить")),
        ("status", _("Статус")),
        ("priority", _("Приоритет")),
        ("merge", _("Объединить")),
    ]

    action = forms.ChoiceField(label=_("Действие"), choices=ACTIONS)
    tickets = IdListField()
    assignee = StaffChoiceField(label=_("Исполнитель"), queryset=User.objects.none(), required=False)
    status = forms.ChoiceField(label=_("Статус"), choices=[("", "—"), *Status.choices], required=False)
    priority = forms.TypedChoiceField(
        label=_("Приоритет"),
        choices=[("", "—"), *Priority.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    reason = forms.CharField(label=_("Причина"), max_length=500, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["assignee"].queryset = staff_of(tenant)
