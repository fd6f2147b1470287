from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from genxi.accounts import scoping
from genxi.accounts.navigation import PAGE_ROLES
from genxi.core.views import ServiceFormView
from genxi.demands import forms, services
from genxi.demands.models import Category, category_tree


@login_required
def category_list(request: HttpRequest) -> HttpResponse:
    if not scoping.has_role(request.user, *PAGE_ROLES["settings"]):
        raise Http404
    categories = category_tree(Category.objects.visible_to(request.user))
    return render(
        request,
        "demands/category_list.html",
        {
            "categories": categories,
            "can_change": request.user.has_perm("demands.change_category"),
        },
    )


class CategoryCreate(ServiceFormView):
    page = "settings"
    form_class = forms.CategoryForm
    permission = "demands.add_category"

    @property
    def title(self) -> str:  # type: ignore[override]
        from django.utils.translation import gettext as _

        return _("New demand category")

    def get_initial(self) -> dict[str, Any]:
        initial = super().get_initial()
        parent_id = self.request.GET.get("parent", "")
        parent = Category.objects.filter(pk=parent_id).first() if parent_id.isdigit() else None
        if parent is not None:
            # A child starts with its parent's deadlines.
            initial.update(
                parent=parent.pk,
                response_days=parent.response_days,
                resolution_days=parent.resolution_days,
            )
        return initial

    def perform(self, form: Any) -> Any:
        return services.create_category(actor=self.request.user, **self.service_kwargs(form))


class CategoryEdit(ServiceFormView):
    page = "settings"
    form_class = forms.CategoryForm
    permission = "demands.change_category"

    def get_object(self) -> Any:
        return get_object_or_404(
            Category.objects.visible_to(self.request.user), pk=self.kwargs["pk"]
        )

    @property
    def title(self) -> str:  # type: ignore[override]
        from django.utils.translation import gettext as _

        return _("Edit %(name)s") % {"name": self.object}

    def perform(self, form: Any) -> Any:
        services.update_category(
            actor=self.request.user, category=self.object, **self.service_kwargs(form)
        )
        return self.object
