"""The pioneers' forms, by topic. `IdsChoiceField` is their many-rows choice."""

from typing import Any

from django import forms

from genxi.core.params import parse_id


class IdsChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A `ModelMultipleChoiceField` that refuses a value that is not an id ("²", 10**20) as an
    invalid choice before it reaches the database (whose `IN` would overflow)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, (list, tuple)) else ():
            if parse_id(str(pk)) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super().clean(value)
