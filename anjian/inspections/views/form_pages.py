"""The one way the inspection pages run a service from a form: errors back on the form, success flashed
and redirected. Unlike org's `form_page`, a refused form re-renders with 200 and a refusal by the service
(permission or state) is shown on the form: that is what these pages have always answered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from anjian.core.errors import ServiceError
from anjian.inspections.forms import ReasonForm, add_service_errors
from anjian.org.permissions import can


def require_cap(request: HttpRequest, capability: str) -> None:
    """403 unless the user has `capability` (for pages that first look the object up: 404 comes first)."""
    if not can(request.user, capability):
        raise PermissionDenied


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[Any], Any],
    success: str | Callable[[Any], str],
    done: Callable[[Any], str],
    template: str,
    context: dict[str, Any],
    formset: Any = None,
) -> HttpResponse:
    """On a POST with a valid form (and formset) run `save(form)`; then flash `success` (or
    success(result)) and redirect to done(result), a URL. Otherwise show the page again with the service's
    Chinese errors: on the form's fields, and those about the formset's rows (keyed by its prefix) above
    the rows (`item_errors`)."""
    row_errors: list[str] = []
    if request.method == "POST" and form.is_valid() and (formset is None or formset.is_valid()):
        try:
            result = save(form)
        except (ValidationError, ServiceError) as exc:
            if formset is not None:
                exc, row_errors = _split_rows(exc, formset.prefix)
            add_service_errors(form, exc)
        else:
            messages.success(request, success if isinstance(success, str) else success(result))
            return redirect(done(result))
    rows = {} if formset is None else {"formset": formset, "item_errors": row_errors}
    return render(request, template, {**context, "form": form, **rows})


def _split_rows(
    exc: ValidationError | ServiceError, key: str
) -> tuple[ValidationError | ServiceError, list[str]]:
    """A service error without its `key` entries, and the messages of those entries."""
    if not (isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and key in exc.error_dict):
        return exc, []
    rest = {k: v for k, v in exc.error_dict.items() if k != key}
    return (ValidationError(rest) if rest else ValidationError([])), [
        m for e in exc.error_dict[key] for m in e.messages
    ]


def reason_page(
    request: HttpRequest,
    *,
    label: str,
    run: Callable[[str], Any],
    success: str,
    back: str,
    title: str,
    subject: str,
    submit_label: str,
    danger: bool = False,
) -> HttpResponse:
    """A confirmation that asks for a reason (cancel a plan, void an inspection), then `run(reason)` and
    go back to `back`."""
    form = ReasonForm(request.POST or None)
    form.fields["reason"].label = label
    return form_page(
        request,
        form,
        save=lambda f: run(f.cleaned_data["reason"]),
        success=success,
        done=lambda _: back,
        template="inspections/reason_form.html",
        context={
            "page_title": title,
            "subject": subject,
            "back_url": back,
            "submit_label": submit_label,
            "danger": danger,
        },
    )
