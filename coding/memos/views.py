"""Memo pages: the project's memo list (filters, search, pages), and writing, editing and deleting a memo.

Members read every memo; coders and owners write them; a memo is edited or deleted by its author or an owner
(`coding.memos.writing.may_change`).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from cases import access_log
from cases.access import get_project
from cases.models import AccessAction, Project, Role
from coding.memos import writing
from coding.memos.forms import MemoFilterForm, MemoForm
from coding.memos.listing import PER_PAGE, MemoFilters, listed, memos_of, shown, target_label, target_url
from coding.models import Memo


def _memo(project: Project, memo_id: int) -> Memo:
    return get_object_or_404(Memo.objects.filter(project=project).with_targets(), pk=memo_id)


def _changeable(project: Project, memo_id: int) -> Memo:
    memo = _memo(project, memo_id)
    if not writing.may_change(memo=memo, membership=project.membership):
        raise PermissionDenied("Only the memo's author or an owner of the project can change it.")
    return memo


@require_safe
@login_required
def memo_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    form = MemoFilterForm(request.GET, project=project)
    filters = form.filters() if form.is_valid() else MemoFilters()
    page = Paginator(listed(memos_of(project=project, filters=filters)), PER_PAGE).get_page(
        request.GET.get("page")
    )
    page.object_list = shown(page.object_list, membership=project.membership)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "project": project,
        "form": form,
        "page": page,
        "filtered": filters != MemoFilters(),
        "params": query.urlencode(),  # not `query`: the header fills its search box with it
        "can_write": writing.may_write(project.membership),
    }
    return render(request, "coding/memos.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def memo_create(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    form = MemoForm(request.POST or None, project=project, initial={"about": request.GET.get("about", "")})
    if request.method == "POST" and form.is_valid():
        memo = writing.create_memo(project=project, author=request.user, **form.written())
        messages.success(request, "Memo saved.")
        return redirect(target_url(memo))
    context = {"project": project, "form": form, "memo": None}
    return render(request, "coding/memo_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def memo_edit(request: HttpRequest, project_id, memo_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    memo = _changeable(project, memo_id)
    form = MemoForm(request.POST or None, project=project, memo=memo)
    if request.method == "POST" and form.is_valid():
        writing.edit_memo(memo=memo, **form.written())
        messages.success(request, "Memo saved.")
        return redirect(target_url(memo))
    context = {
        "project": project,
        "form": form,
        "memo": memo,
        "about": target_label(memo),
        "memo_back": target_url(memo),
    }
    return render(request, "coding/memo_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def memo_delete(request: HttpRequest, project_id, memo_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    memo = _changeable(project, memo_id)
    about, back = target_label(memo), target_url(memo)
    if request.method == "POST":
        detail = f"memo “{memo}” ({about})"
        with transaction.atomic():
            writing.delete_memo(memo=memo)
            access_log.record(AccessAction.DELETED, request=request, project=project, detail=detail)
        messages.success(request, "Memo deleted.")
        return redirect(back)
    context = {"project": project, "memo": memo, "about": about, "back": back}
    return render(request, "coding/memo_delete.html", context)
