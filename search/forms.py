"""The search box's form field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator


class SearchField(forms.CharField):
    """A search text. A NUL byte is not a form error (which would drop the search and show everything)
    but reaches ``search.text.parse_query``, which answers it with an empty result."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 200)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, ProhibitNullCharactersValidator)]
