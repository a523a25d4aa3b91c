"""Codebook pages: the tree, each code, restructuring (owners), relations, the network, coverage, history,
exchange and the codebook document. Viewers read and export; only owners change the codebook."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases import access_log
from cases.access import get_project
from cases.forms import error_sentence
from cases.models import AccessAction, Project, Role
from cases.refusals import Refused
from codebook import changes
from codebook.exchange import exports, imports
from codebook.exchange.document import docx, outline, sections
from codebook.forms import (
    CodeForm,
    DeleteForm,
    ImportConfirmForm,
    ImportForm,
    LevelForm,
    MergeForm,
    MoveForm,
    NetworkForm,
    QuickCodeForm,
    RelationDeleteForm,
    RelationEditForm,
    RelationForm,
    ReorderForm,
    SplitForm,
    project_kinds,
)
from codebook.models import SIBLING_ORDER, Code, CodeRelation, Framework, Level, tree_order
from codebook.network import KIND_STYLES, draw
from codebook.seeding import available_frameworks, load_framework, seed_framework
from coding import recoding, usage
from coding.analysis.coverage import coverage as coverage_report
from coding.memos import listing as memo_listing
from coding.memos.writing import may_write


def _code(project: Project, code_id: int, queryset=None) -> Code:
    return get_object_or_404(
        (queryset if queryset is not None else project.codes).select_related("project"), pk=code_id
    )


def _attachment(request: HttpRequest, response: HttpResponse, project: Project, suffix: str) -> HttpResponse:
    """The codebook as a download named after the project, written to the project's access log."""
    access_log.export(request, project, f"codebook{suffix}")
    stem = f"codebook-{slugify(project.name)[:60] or 'project'}"
    response["Content-Disposition"] = content_disposition_header(True, f"{stem}{suffix}")
    return response


# The tree


class _CodeUrls:
    """The URLs each row of the tree links to, made by putting the code's id into one reversed URL of each
    kind: a reverse per row and kind cost 20 ms on a tree of 48 codes."""

    KINDS = {
        "detail": "codebook:code_detail",
        "move": "codebook:code_move_hx",
        "reorder": "codebook:code_reorder",
    }

    def __init__(self, project: Project):
        self.parts = {
            kind: reverse(name, args=[project.pk, 0]).rsplit("/0/", 1) for kind, name in self.KINDS.items()
        }

    def of(self, code: Code) -> dict[str, str]:
        return {kind: f"{head}/{code.pk}/{tail}" for kind, (head, tail) in self.parts.items()}


def _tree_context(project: Project, *, compact: bool = False) -> dict:
    codes = usage.tree_with_quotations(project=project, membership=project.membership)
    urls = _CodeUrls(project)
    for code in codes:
        code.urls = urls.of(code)
    children: dict[int | None, list[Code]] = {}
    for code in codes:
        children.setdefault(code.parent_id, []).append(code)
    for siblings in children.values():
        for index, code in enumerate(siblings):
            code.is_first, code.is_last = index == 0, index == len(siblings) - 1
    for code in codes:
        code.kids = children.get(code.pk, [])
    tree_sections = sections(codes)
    for section in tree_sections:
        section.roots = [code for code in section.codes if code.depth == 0]
    present = {code.framework for code in codes if code.depth == 0}
    return {
        "project": project,
        "sections": tree_sections,
        "code_count": len(codes),
        "compact": compact,
        "unseeded": [key for key in available_frameworks() if key not in present],
        "quick_form": _quick_form(project, under=codes),
    }


def _compact(data) -> bool:
    return data.get("compact") == "1"


@require_safe
@login_required
def codebook(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    context = _tree_context(project, compact=_compact(request.GET))
    return render(request, "codebook/codebook.html", context)


def _quick_form(
    project: Project, parent: Code | None = None, *, under: list[Code] | None = None
) -> QuickCodeForm | None:
    """The quick form for owners: the panel's, for a code under `parent`; or the one above the tree, for a
    code under any of `under` (the codebook in tree order) or at the top level."""
    if not project.membership.is_owner:
        return None
    if parent is not None:
        return QuickCodeForm(project=project, initial={"parent": parent}, auto_id=f"id_under-{parent.pk}_%s")
    return QuickCodeForm(project=project, under=under, auto_id="id_top_%s")


@require_POST
@login_required
def seed(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    framework = request.POST.get("framework", "")
    if framework not in available_frameworks():
        messages.error(request, "Choose one of the available frameworks to seed.")
        return redirect("codebook:codebook", project.pk)
    created = seed_framework(project=project, framework=framework, user=request.user)
    messages.success(request, f"{load_framework(framework).title}: {created} code(s) added.")
    return redirect("codebook:codebook", project.pk)


# One code


def _detail_context(project: Project, code: Code, **forms) -> dict:
    relations = list(
        CodeRelation.objects.filter(Q(source=code) | Q(target=code)).select_related("source", "target")
    )
    is_owner = project.membership.is_owner
    kinds = project_kinds(project) if is_owner else []
    relation_memos = memo_listing.by_relation(
        project=project, relations=relations, membership=project.membership
    )
    for relation in relations:
        relation.memo_notes = relation_memos.get(relation.pk, [])
        if is_owner:
            relation.edit_form = RelationEditForm(
                initial={"relation": relation.pk, "kind": relation.kind, "memo": relation.memo},
                code=code,
                custom_kinds=kinds,
                prefix=f"r{relation.pk}",
            )
    return {
        "project": project,
        "code": code,
        "children": code.children.all(),
        "relations": relations,
        "memos": memo_listing.about_code(code=code, membership=project.membership),
        "can_write_memos": may_write(project.membership),
        "events": code.events.select_related("user__profile")[:20],
        "relation_form": forms.get("relation_form")
        or (RelationForm(code=code, custom_kinds=kinds) if is_owner else None),
        "level_form": LevelForm(initial={"level": code.level}) if is_owner else None,
        "kind_styles": KIND_STYLES,
    }


@require_safe
@login_required
def code_detail(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    code = _code(
        project,
        code_id,
        usage.with_usage(codes=project.codes, membership=project.membership).select_related("parent"),
    )
    if request.htmx:  # the codebook page's detail panel
        code.quotation_count, code.rolled_up_count = usage.quotation_counts(
            code=code, membership=project.membership
        )
        context = {"project": project, "panel_code": code, "quick_form": _quick_form(project, code)}
        return render(request, "codebook/codebook.html#detail-panel", context)
    return render(request, "codebook/code_detail.html", _detail_context(project, code))


def _create(request: HttpRequest, form: CodeForm) -> Code | None:
    """Saves the valid form's new code under its parent; None, with the reason on the form, if refused."""
    code = form.save(commit=False)
    code.parent = form.cleaned_data["parent"]
    try:
        return changes.create_code(code=code, user=request.user)
    except Refused as refusal:
        form.add_error("name", refusal.message)
        return None


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_create(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    parent_id = request.GET.get("parent", "")
    parent = project.codes.filter(pk=parent_id).first() if parent_id.isdigit() else None
    initial = {"parent": parent, "framework": parent.framework if parent else Framework.EMERGENT}
    if parent:
        initial["colour"] = parent.colour
    form = CodeForm(request.POST or None, project=project, initial=initial)
    if request.method == "POST" and form.is_valid() and (code := _create(request, form)):
        messages.success(request, f"Code “{code.name}” created.")
        return redirect(code)
    status = 400 if form.errors else 200
    return render(request, "codebook/code_form.html", {"project": project, "form": form}, status=status)


@require_POST
@login_required
def code_add(request: HttpRequest, project_id) -> HttpResponse:
    """The codebook page's quick form: a code at the top level or under the code in the panel. htmx gets the
    new code's row to put in place, without redrawing the tree; a plain form goes back to the codebook."""
    project = get_project(request, project_id, role=Role.OWNER)
    form = QuickCodeForm(request.POST, project=project)
    code = _create(request, form) if form.is_valid() else None
    if code is None:
        if not request.htmx:
            messages.error(request, error_sentence(form))
            return redirect("codebook:codebook", project.pk)
        return render(
            request, "codebook/codebook.html#refusal", {"message": error_sentence(form)}, status=400
        )
    if not request.htmx:
        messages.success(request, f"Code “{code.name}” created {changes.where(code.parent)}.")
        return redirect("codebook:codebook", project.pk)
    return _added(request, project, code)


# What the answer to the quick form reads of every code: where the new one goes, and the "Under" list.
_ADDED_FIELDS = ("project_id", "parent_id", "framework", "name", "position")


def _added(request: HttpRequest, project: Project, code: Code) -> HttpResponse:
    """The new code's row, and where htmx puts it (HX-Retarget): last among its parent's sub-codes (in a new
    branch when it is the first), or last in its framework's section; the whole tree when it starts a section.
    A new code has no quotations, so no other count changes. The "Under" list above the tree comes again, out
    of band, with the new code in it."""
    tree = tree_order(list(project.codes.only(*_ADDED_FIELDS).order_by(*SIBLING_ORDER)))
    codes = {other.pk: other for other in tree}
    root = code
    while root.parent_id is not None:
        root = codes[root.parent_id]
    siblings = sum(1 for other in codes.values() if other.parent_id == code.parent_id)
    compact = _compact(request.POST)
    if code.parent_id is None and not any(
        other.parent_id is None and other.framework == code.framework and other.pk != code.pk
        for other in codes.values()
    ):
        context = _tree_context(project, compact=compact)
        context["moved"] = code.pk
        response = render(request, "codebook/codebook.html#trees", context)
        response["HX-Retarget"], response["HX-Reswap"] = "#codebook-trees", "outerHTML"
        return response
    code.kids, code.quotation_count, code.rolled_up_count = [], 0, 0
    code.urls = _CodeUrls(project).of(code)
    code.is_first, code.is_last = siblings == 1, True
    context = {
        "project": project,
        "code": code,
        "parent": codes.get(code.parent_id),
        "siblings": siblings,
        "section": {"key": root.framework},
        "compact": compact,
        "moved": code.pk,
        "quick_form": _quick_form(project, under=tree),
    }
    response = render(request, "codebook/_code_added.html", context)
    if code.parent_id is None:
        target = f"#tree-{root.framework}"
    elif siblings == 1:
        target = f"#code-{code.parent_id}"
    else:
        target = f"#code-{code.parent_id} > details.branch > ul"
    response["HX-Retarget"], response["HX-Reswap"] = target, "beforeend"
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_edit(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    previous = changes.field_values(code)
    form = CodeForm(request.POST or None, instance=code, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            changed = changes.update_code(code=form.instance, previous=previous, user=request.user)
        except Refused as refusal:
            form.add_error("name", refusal.message)
        else:
            messages.success(request, "Code saved." if changed else "Nothing changed.")
            return redirect(code)
    if request.method == "POST":
        code = _code(project, code_id)  # the form changed the instance in place; show the saved name
    context = {"project": project, "form": form, "code": code}
    return render(request, "codebook/code_form.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_delete(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    form = DeleteForm(request.POST or None, code=code, removal=recoding.removal)
    if request.method == "POST" and form.is_valid():
        try:
            gone = recoding.delete_code(
                code=code,
                keep_children=form.keep_children(),
                confirmed_codings=form.seen(),
                user=request.user,
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            extra = f" and {len(gone.code_ids) - 1} sub-code(s)" if len(gone.code_ids) > 1 else ""
            detail = f"code {code.name}{extra}"
            access_log.record(AccessAction.DELETED, request=request, project=project, detail=detail)
            messages.success(request, f"Code “{code.name}”{extra} deleted.")
            return redirect("codebook:codebook", project.pk)
    context = {
        "project": project,
        "code": code,
        "form": form,
        "kept": recoding.removal(code=code, keep_children=True) if form.has_children else None,
        "everything": recoding.removal(code=code, keep_children=False),
    }
    return render(request, "codebook/code_delete.html", context, status=400 if form.errors else 200)


# Restructuring


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_move(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id, project.codes.select_related("parent"))
    form = MoveForm(request.POST or None, code=code)
    if request.method == "POST" and form.is_valid():
        try:
            changes.move_code(code=code, parent=form.cleaned_data["parent"], user=request.user)
        except Refused as refusal:
            form.add_error("parent", refusal.message)
        else:
            messages.success(request, f"“{code.name}” moved {changes.where(form.cleaned_data['parent'])}.")
            return redirect(code)
    context = {"project": project, "code": code, "form": form}
    return render(request, "codebook/code_move.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def code_move_hx(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    """Drag and drop on the codebook page: moves the code, answers with the redrawn tree or the refusal."""
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    form = MoveForm(request.POST, code=code)
    if form.is_valid():
        try:
            changes.move_code(code=code, parent=form.cleaned_data["parent"], user=request.user)
        except Refused as refusal:
            form.add_error("parent", refusal.message)
    if form.errors:
        context = {"message": error_sentence(form)}
        return render(request, "codebook/codebook.html#refusal", context, status=400)
    context = _tree_context(project, compact=_compact(request.POST))
    context["moved"] = code.pk
    return render(request, "codebook/codebook.html#trees", context)


@require_POST
@login_required
def code_reorder(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    """Puts a code one place up or down among its siblings, or before or after one (a drop on the codebook
    page); answers htmx with the redrawn tree or the refusal, a plain form with the codebook page."""
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id, project.codes.select_related("parent"))
    form = ReorderForm(request.POST, code=code)
    if form.is_valid():
        target, after = form.cleaned_data["target"], form.cleaned_data["place_after"]
        try:
            changes.reorder_code(code=code, target=target, after=after, user=request.user)
        except Refused as refusal:
            form.add_error(None, refusal.message)
    compact = _compact(request.POST)
    if form.errors:
        if not request.htmx:
            messages.error(request, error_sentence(form))
            return redirect(_codebook_url(project, code, compact))
        return render(
            request, "codebook/codebook.html#refusal", {"message": error_sentence(form)}, status=400
        )
    where = f"{'after' if after else 'before'} “{target.name}”"
    if not request.htmx:
        messages.success(request, f"“{code.name}” moved {where}.")
        return redirect(_codebook_url(project, code, compact))
    context = _tree_context(project, compact=compact)
    context["moved"] = code.pk
    return render(request, "codebook/codebook.html#trees", context)


def _codebook_url(project: Project, code: Code, compact: bool) -> str:
    url = reverse("codebook:codebook", args=[project.pk])
    return f"{url}{'?compact=1' if compact else ''}#code-{code.pk}"


@require_POST
@login_required
def code_level(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    form = LevelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose open, axial or selective.")
    elif changes.change_level(code=code, level=form.cleaned_data["level"], user=request.user):
        messages.success(request, f"“{code.name}” is now {code.get_level_display().lower()}.")
    return redirect(code)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_merge(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id, usage.with_usage(codes=project.codes, membership=project.membership))
    form = MergeForm(request.POST or None, code=code, coded=code.coding_count > 0)
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        try:
            result = recoding.merge_codes(source=code, target=target, user=request.user)
        except Refused as refusal:
            form.add_error("target", refusal.message)
        else:
            collapsed = (
                f", {result.duplicates_collapsed} duplicate(s) collapsed"
                if result.duplicates_collapsed
                else ""
            )
            messages.success(
                request,
                f"“{code.name}” merged into “{target.name}”: "
                f"{result.codings_moved} coding(s) moved{collapsed}.",
            )
            return redirect(target)
    context = {"project": project, "code": code, "form": form, "children": code.children.all()}
    return render(request, "codebook/code_merge.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def code_split(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    codings = recoding.split_choices(code=code)
    form = SplitForm(request.POST or None, code=code, codings=codings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            new = recoding.split_code(
                code=code,
                coding_ids=[coding.pk for coding in data["codings"]],
                name=data["name"],
                as_child=data["placement"] == "child",
                definition=data["definition"],
                user=request.user,
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"{len(data['codings'])} coding(s) moved to the new code “{new.name}”.")
            return redirect(new)
    chosen = {str(value) for value in form["codings"].value() or []}
    context = {"project": project, "code": code, "form": form, "codings": codings, "chosen": chosen}
    return render(request, "codebook/code_split.html", context, status=400 if form.errors else 200)


# Relations


@require_POST
@login_required
def relation_add(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    form = RelationForm(request.POST, code=code)
    if form.is_valid():
        source, target = form.ends()
        try:
            relation = changes.add_relation(
                source=source,
                target=target,
                kind=form.cleaned_data["kind"],
                memo=form.cleaned_data["memo"],
                user=request.user,
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"Relation added: {relation}.")
            return redirect(code)
    code = _code(
        project,
        code_id,
        usage.with_usage(codes=project.codes, membership=project.membership).select_related("parent"),
    )
    context = _detail_context(project, code, relation_form=form)
    return render(request, "codebook/code_detail.html", context, status=400)


@require_POST
@login_required
def relation_edit(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    prefix = next((key[: -len("-relation")] for key in request.POST if key.endswith("-relation")), None)
    form = RelationEditForm(request.POST, code=code, prefix=prefix)
    if form.is_valid():
        try:
            changes.edit_relation(
                relation=form.cleaned_data["relation"],
                kind=form.cleaned_data["kind"],
                memo=form.cleaned_data["memo"],
                user=request.user,
            )
        except Refused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, "Relation saved.")
    else:
        messages.error(request, error_sentence(form))
    return redirect(code)


@require_POST
@login_required
def relation_delete(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    code = _code(project, code_id)
    form = RelationDeleteForm(request.POST, code=code)
    if form.is_valid():
        relation = form.cleaned_data["relation"]
        changes.delete_relation(relation=relation, user=request.user)
        messages.success(request, f"Relation removed: {relation}.")
    else:
        messages.error(request, "That relation does not belong to this code.")
    return redirect(code)


# Network, coverage, history


def _network(request: HttpRequest, project: Project):
    data = request.GET.copy()
    if not data.getlist("level"):
        data.setlist("level", Level.values)  # no level ticked means all: show them ticked
    form = NetworkForm(data)
    return form, draw(
        project=project,
        codes=usage.tree_with_usage(project=project, membership=project.membership),
        **form.filters(),
    )


@require_safe
@login_required
def network(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    form, drawing = _network(request, project)
    context = {"project": project, "form": form, "drawing": drawing, "filters": request.GET.urlencode()}
    return render(request, "codebook/network.html", context)


@require_safe
@login_required
def network_svg(request: HttpRequest, project_id) -> HttpResponse:
    """The drawing alone, as a file to put in a paper or a slide."""
    project = get_project(request, project_id)
    _, drawing = _network(request, project)
    response = render(
        request,
        "codebook/network.html#svg",
        {"project": project, "drawing": drawing, "standalone": True},
        content_type="image/svg+xml; charset=utf-8",
    )
    return _attachment(request, response, project, "-network.svg")


@require_safe
@login_required
def coverage(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    return render(
        request,
        "codebook/coverage.html",
        {"project": project, "report": coverage_report(project=project, membership=project.membership)},
    )


@require_safe
@login_required
def history(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    events = project.codebook_events.newest_first().select_related("user__profile", "code")
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "codebook/history.html", {"project": project, "page": page})


# Exchange and the document


@require_safe
@login_required
def export_qdc(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    content = exports.qdc(project=project)
    if content is None:
        messages.error(request, "The codebook is empty: there is nothing to export.")
        return redirect("codebook:codebook", project.pk)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    return _attachment(request, response, project, ".qdc")


@require_safe
@login_required
def export_csv(request: HttpRequest, project_id) -> StreamingHttpResponse:
    project = get_project(request, project_id)
    lines = exports.csv_lines(project=project, bom=request.GET.get("excel") == "1")
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    return _attachment(request, response, project, ".csv")


@require_safe
@login_required
def document(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    parts = outline(project=project, notes=memo_listing.codebook_notes(project=project))
    context = {"project": project, "parts": parts, "count": sum(len(entries) for _, entries in parts)}
    return render(request, "codebook/document.html", context)


@require_safe
@login_required
def document_docx(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    response = HttpResponse(
        docx(project=project, notes=memo_listing.codebook_notes(project=project)),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    return _attachment(request, response, project, ".docx")


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def import_upload(request: HttpRequest, project_id) -> HttpResponse:
    """Step one: upload a file and see what it would change; nothing is written here."""
    project = get_project(request, project_id, role=Role.OWNER)
    form = ImportForm(request.POST or None, request.FILES or None, project=project, user=request.user)
    context = {"project": project, "form": form}
    if request.method == "POST" and form.is_valid():
        context["plan"] = form.plan
        context["confirm_form"] = ImportConfirmForm(
            initial={"payload": form.signed()}, project=project, user=request.user
        )
    return render(request, "codebook/import.html", context, status=400 if form.errors else 200)


@require_POST
@login_required
def import_confirm(request: HttpRequest, project_id) -> HttpResponse:
    """Step two: write the previewed import, unless the codebook changed since (then preview afresh)."""
    project = get_project(request, project_id, role=Role.OWNER)
    form = ImportConfirmForm(request.POST, project=project, user=request.user)
    context = {"project": project, "form": ImportForm(project=project, user=request.user)}
    if form.is_valid():
        try:
            result = imports.apply_import(
                project=project,
                parsed=form.parsed,
                fingerprint=form.fingerprint,
                filename=form.filename,
                user=request.user,
            )
        except Refused as refusal:
            # Show what the file would do now, to confirm again; nothing was written.
            context["refusal"] = refusal.message
            try:
                plan = imports.plan_import(project=project, parsed=form.parsed)
            except Refused as error:
                context["refusal"] += f" {error.message}"
            else:
                context["plan"] = plan
                context["confirm_form"] = ImportConfirmForm(
                    initial={"payload": form.signed(plan)}, project=project, user=request.user
                )
            return render(request, "codebook/import.html", context, status=409)
        messages.success(
            request,
            f"Imported {form.filename}: {result.created} new, {result.changed} changed, "
            f"{result.unchanged} unchanged code(s).",
        )
        return redirect("codebook:codebook", project.pk)
    context["refusal"] = error_sentence(form)
    return render(request, "codebook/import.html", context, status=400)
