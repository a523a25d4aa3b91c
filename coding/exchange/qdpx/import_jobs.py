"""Importing a .qdpx archive in the background: reading it for a preview, then importing what was previewed.

An archive of hundreds of interviews takes longer to read and place than a request may last, so both steps
are jobs (`cases.jobs`, started in `tasks`). The first reads and places the archive and leaves the preview as
its result, writing nothing to the project (`read_for_preview`). The owner confirms on the preview page, and
the second job, handed the same stored file, reads it again and imports it in one transaction, making the
project first when the archive is to become a new one (`import_previewed`). The preview's job keeps the
archive for `jobs.KEPT_UPLOAD`; the import takes it over and deletes it once it has run.
"""

import shutil
import tempfile

from django.db import transaction
from django.urls import reverse

from cases import jobs
from cases.models import Case, Job, Membership, Project, Role
from cases.refusals import Refused
from codebook.exchange.imports import plan_import
from coding.exchange.qdpx.archive import Package, read_archive
from coding.exchange.qdpx.importing import ImportResult, already_imported, import_package

SHOWN_UNPLACED = 500  # selections listed one by one; the rest are counted


def read_for_preview(job: Job, progress: jobs.Progress) -> None:
    package = _read(job, progress)
    preview = preview_of(package, job.project)
    summary = [
        ["Text sources", len(package.texts)],
        ["Codes", preview["codes"]],
        ["Selections placed", f"{package.placed} of {package.selections}"],
        ["Codings", package.codings],
    ]
    job.result = {"preview": preview, "next": _preview_url(job), "summary": summary}


def _preview_url(job: Job) -> str:
    if job.project_id is None:
        return reverse("qdpx:preview", args=[job.pk])
    return reverse("coding:qdpx_preview", args=[job.project_id, job.pk])


def import_previewed(job: Job, progress: jobs.Progress) -> None:
    package = _read(job, progress)
    options = job.params
    progress.step(
        f"Writing {len(package.texts):,} transcripts, {package.placed:,} quotations and "
        f"{package.codings:,} codings"
    )
    with transaction.atomic():
        project = job.project
        if project is None:
            project = Project.objects.create(name=options["name"], created_by=job.created_by)
            Membership.objects.create(project=project, user=job.created_by, role=Role.OWNER)
        elif not project.memberships.filter(user=job.created_by, role=Role.OWNER).exists():
            raise Refused("Only an owner of the project can import into it; nothing was imported.")
        case = None
        if options.get("case"):
            case = Case.objects.filter(project=project, pk=options["case"]).first()
            if case is None:
                raise Refused("The case chosen for the import no longer exists; nothing was imported.")
        result = import_package(
            package=package,
            project=project,
            user=job.created_by,
            case=case,
            case_name=options.get("case_name", ""),
            study_name=options.get("study_name", ""),
        )
    job.project = project  # once committed: a new project's job is then that project's
    job.result = result_of(result, package, project)


def _read(job: Job, progress: jobs.Progress) -> Package:
    """The job's archive, copied to the worker's disk (stored files may be remote, and a zip is read by
    seeking) and read member by member from there."""
    progress.step("Opening the archive")
    with tempfile.TemporaryFile() as copy:
        with job.upload.open("rb") as stored:
            shutil.copyfileobj(stored, copy)
        return read_archive(copy, filename=job.upload_name, progress=progress.step)


def preview_of(package: Package, project: Project | None) -> dict:
    """What the preview page shows, kept as the job's result (plain data: it is stored as JSON)."""
    parsed = package.project
    preview = {
        "filename": package.filename,
        "title": package.title[:200],
        "origin": parsed.origin,
        "unit": str(package.unit),
        "codes": len(parsed.codebook.entries),
        "selections": package.selections,
        "placed": package.placed,
        "codings": package.codings,
        "coders": [user.name or "(no name)" for user in parsed.users],
        "cases": len(parsed.cases),
        "variables": len(parsed.variables),
        "notes": len(parsed.notes),
        "sets": parsed.sets,
        "interview_sets": len(package.sets),
        "code_sets": parsed.code_sets,
        "warnings": package.warnings,
        "not_kept": sorted(package.not_kept.items()),
        "unplaced": [item.sentence() for item in package.unplaced[:SHOWN_UNPLACED]],
        "unplaced_count": len(package.unplaced),
        "texts": [
            [text.title, text.read_from, len(text.text), len(text.placed), len(text.source.selections)]
            for text in package.texts
        ],
        "caseless": _caseless(package),
        "already": already_imported(package, project) if project else 0,
    }
    if project is not None and parsed.codebook.entries:
        try:
            plan = plan_import(project=project, parsed=parsed.codebook)
        except Refused as refusal:
            preview["plan_refusal"] = refusal.message
        else:
            preview["plan"] = {"new": plan.new, "changed": plan.changed, "unchanged": plan.unchanged}
    return preview


def _caseless(package: Package) -> int:
    listed = {guid for case in package.project.cases for guid in case.sources}
    return sum(text.source.guid not in listed for text in package.texts)


def result_of(result: ImportResult, package: Package, project: Project) -> dict:
    """The import's result page: what came in, what was not kept or is to be checked, where to go next."""
    summary = [
        ["Transcripts", result.transcripts],
        ["Quotations", result.quotations],
        ["Codings", result.codings],
        ["New codes", result.codes_new],
        ["Matched codes", result.codes_matched],
        ["Memos", result.memos],
        ["Interview sets", result.sets],
        ["New cases", result.cases],
        ["New attributes", result.attributes],
        ["Attribute values", result.values],
    ]
    notes = list(result.warnings)
    notes += [f"Not kept: {count:,} {what}." for what, count in sorted(result.not_kept.items())]
    notes += [f"Not placed: {item.sentence()}" for item in result.unplaced[:SHOWN_UNPLACED]]
    if len(result.unplaced) > SHOWN_UNPLACED:
        notes.append(f"… and {len(result.unplaced) - SHOWN_UNPLACED:,} more selections not placed.")
    if result.coders:
        notes.append(
            f"Coders, imported as coder identities: {', '.join(result.coders)}. Link them to members on the "
            "page of imported coders."
        )
    links = []
    if result.study:
        notes.insert(
            0,
            f"Imported as the study “{result.study.name}”: its {result.codes_new:,} codes are kept as they "
            f"were, under “{result.study.name} (study)”, and count in the matrix once mapped in the "
            "crosswalk.",
        )
        links.append(_link(reverse("coding:crosswalk", args=[project.pk]), "Map them in the crosswalk"))
    links.append(_link(project.get_absolute_url(), f"Open {project.name}"))
    if result.coders:
        links.append(_link(reverse("coding:qdpx_coders", args=[project.pk]), "Link imported coders"))
    return {"summary": summary, "notes": notes, "links": links, "filename": package.filename}


def _link(url: str, text: str) -> dict:
    return {"url": url, "text": text}
