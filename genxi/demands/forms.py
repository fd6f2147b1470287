from typing import Any

from django import forms
from django.db import models

from genxi.demands.models import Category


class CategoryForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Category
        fields = ["name", "parent", "response_days", "resolution_days", "description", "is_active"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("response_days", "resolution_days"):
            # The model's bounds, checked on the form (the model's own clean is not run).
            model_field = Category._meta.get_field(name)
            assert isinstance(model_field, models.Field)
            self.fields[name].validators += model_field.validators
        if self.instance.pk:
            del self.fields["parent"]  # moving a category would re-file its demands: not offered
        else:
            parent = self.fields["parent"]
            assert isinstance(parent, forms.ModelChoiceField)
            parent.queryset = Category.objects.active().filter(depth__lt=2)

    def _post_clean(self) -> None:
        # The service validates and writes; the form only cleans fields.
        pass
