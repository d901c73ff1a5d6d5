"""Helpers shared by the organisation pages: service errors onto forms, capability checks, paging."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.org.permissions import can


def apply_errors(
    form: forms.Form, exc: ValidationError | ServiceError, *, aliases: dict[str, str] | None = None
) -> None:
    """Put a service's Chinese errors back on the form fields (unknown fields go to the top of the form)."""
    aliases = aliases or {}
    if isinstance(exc, ServiceError):
        if not exc.fields:
            form.add_error(None, exc.message)
        for key, messages in exc.fields.items():
            _add(form, aliases.get(key, key), messages)
        if exc.fields and not any(exc.message in m for m in exc.fields.values()):
            form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for key, errors in exc.error_dict.items():
            _add(form, aliases.get(key, key), [m for e in errors for m in e.messages])
    else:
        form.add_error(None, list(exc.messages))


def _add(form: forms.Form, field: str, messages: Any) -> None:
    if field in form.fields and field not in ("__all__",):
        form.add_error(field, messages)
    else:
        form.add_error(None, messages)


def capability_required(
    capability: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Refuse the page with 403 unless the signed-in user has `capability`."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not can(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def paginate(request: HttpRequest, qs: Any, per_page: int = 30) -> Page:
    return Paginator(qs, per_page).get_page(request.GET.get("page"))


def form_page(
    request: HttpRequest,
    form: Any,
    *,
    save: Callable[[Any], Any],
    success: str,
    done: Callable[[Any], str],
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """A form page whose POST runs a service: `save(form)` with the valid form; on success flash
    `success` and redirect to done(saved object) (a URL or a view name); otherwise show the form again
    with the service's Chinese errors on its fields (400)."""
    if request.method == "POST" and form.is_valid():
        try:
            obj = save(form)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(done(obj))
    status = 400 if request.method == "POST" else 200
    return render(request, template, {**context, "form": form}, status=status)


def post_action(request: HttpRequest, run: Callable[[], Any], success: str, back: str) -> HttpResponse:
    """A POST-only workflow button (void, deactivate, mark done…): run the service, flash the outcome
    or its Chinese error, and go back to `back`."""
    try:
        run()
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(back)
