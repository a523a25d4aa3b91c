"""Timing the real views against the configured database: median, p95 and query count per operation.

Every operation goes through Django's test client (URL routing, middleware, templates, the database), so the
figures are what a user's request costs on the server, without the network.
"""

import io
import itertools
import os
import random
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases import jobs
from cases.models import Job, JobStatus, Membership, Project, Role, Transcript
from cases.speakers import store_recognised
from coding.analysis.retrieval import QUOTATIONS_PER_PAGE
from coding.exchange.qdpx.archive import read_archive
from coding.exchange.qdpx.export import write_qdpx
from coding.exchange.qdpx.importing import import_package, imported_coders
from coding.exchange.qdpx.tasks import EXPORT, export_project
from coding.models import Coding, Segment, Valence
from coding.perf.corpus import (
    CorpusSummary,
    double_code,
    interview_docx,
    interview_text,
    make_corpus,
    remove_corpus,
    spans,
)

WORKSPACE_WORDS = 15_000
WORKSPACE_CODINGS = 500
IMPORT_WORDS = 12_000


@dataclass
class Result:
    name: str
    runs: int
    median_ms: float
    p95_ms: float
    queries: int
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "operation": self.name,
            "runs": self.runs,
            "median_ms": round(self.median_ms, 2),
            "p95_ms": round(self.p95_ms, 2),
            "queries": self.queries,
            **self.extra,
        }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(name: str, request: Callable, *, repeat: int, expect: int = 200) -> Result:
    """Runs `request` once counting its queries, then `repeat` times timed.

    The timed runs log no queries: logging each one's SQL costs as much as a cheap query, and a server in
    production does not do it.
    """
    with CaptureQueriesContext(connection) as captured:
        _check(name, _read(request()), expect)
    queries = len(captured)  # now: each request clears the connection's log that `captured` reads
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = _read(request())
        timings.append((time.perf_counter() - started) * 1000)
        _check(name, response, expect)
    return Result(name, repeat, statistics.median(timings), percentile(timings, 0.95), queries)


def _read(response):
    """The response, read to its end: a streamed download queries the database as it is read."""
    if getattr(response, "streaming", False):
        for _chunk in response.streaming_content:
            pass
    return response


def _check(name: str, response, expect: int) -> None:
    if response.status_code != expect:
        raise AssertionError(f"{name}: expected HTTP {expect}, got {response.status_code}")


def resident_mb() -> float | None:
    """This process's resident memory now (Linux), for memory growth while streaming."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def stream_export(name: str, request: Callable) -> Result:
    """One full streamed export: rows per second and how far resident memory grew while streaming.

    Resident memory is sampled between chunks rather than traced: tracemalloc slows Python several times over
    and would turn the rows-per-second figure into a measure of itself.
    """
    before = resident_mb()
    peak = before or 0.0
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = request()
        rows = 0
        for index, chunk in enumerate(response.streaming_content):
            rows += chunk.count(b"\n")
            if before is not None and index % 256 == 0:
                peak = max(peak, resident_mb() or 0.0)
    elapsed = time.perf_counter() - started
    growth = round(peak - before, 1) if before is not None else None
    return Result(
        name,
        1,
        elapsed * 1000,
        elapsed * 1000,
        len(captured),
        {"rows": rows - 1, "rows_per_s": round((rows - 1) / elapsed), "memory_growth_mb": growth},
    )


@dataclass
class Bench:
    project: Project
    client: Client
    user: object
    corpus: CorpusSummary
    workspace_transcript: Transcript
    rng: random.Random
    small: bool

    def project_codings(self) -> int:
        return Coding.objects.filter(segment__project=self.project).count()

    def url(self, name: str, **kwargs) -> str:
        return reverse(name, kwargs={"project_id": self.project.pk, **kwargs})


def prepare(*, scale: int, small: bool) -> Bench:
    sizes = {"transcripts_per_scale": 6, "words": 800, "segments_per_transcript": 30} if small else {}
    corpus = make_corpus(scale=scale, name=f"Benchmark run {time.strftime('%Y-%m-%d %H:%M:%S')}", **sizes)
    project = corpus.project
    user = get_user_model().objects.get(username="bench-coder-1")
    rng = random.Random(7)
    words, codings = (1_500, 50) if small else (WORKSPACE_WORDS, WORKSPACE_CODINGS)
    transcript = Transcript.objects.create(
        case=project.cases.first(),
        title="Long interview",
        text=interview_text(rng, words=words, respondent="R", chinese=True),
    )
    store_recognised(transcripts=[transcript])
    codes = list(project.codes.filter(is_codable=True).values_list("pk", flat=True))
    chosen = spans(rng, transcript.text, codings // 2)
    segments = Segment.objects.bulk_create(
        Segment(
            transcript=transcript, start=start, end=end, quote=transcript.text[start:end], created_by=user
        )
        for start, end in chosen
    )
    Coding.objects.bulk_create(
        Coding(segment=segment, code_id=code_id, coder=user, valence=Valence.NEGATIVE)
        for segment in segments
        for code_id in rng.sample(codes, 2)
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    Membership.objects.filter(project=project, user=user).update(role=Role.OWNER)
    return Bench(project, client, user, corpus, transcript, rng, small)


def apply_code(bench: Bench, *, repeat: int) -> Result:
    """A code applied to a new passage of the long interview, as the workspace's picker posts it."""
    transcript = bench.workspace_transcript
    codes = list(bench.project.codes.filter(is_codable=True).values_list("pk", flat=True))
    taken = set(Segment.objects.filter(transcript=transcript).values_list("start", "end"))
    free = [span for span in spans(bench.rng, transcript.text, repeat + 10) if span not in taken]
    fields = {"valence": "none", "new_code": "", "new_code_parent": ""}

    def apply():
        start, end = free.pop()
        return bench.client.post(
            bench.url("coding:apply_hx", transcript_id=transcript.pk),
            {"start": start, "end": end, "codes": [bench.rng.choice(codes)], **fields},
            headers={"HX-Request": "true", "HX-Target": "picker", "HX-Trigger": "picker"},
        )

    return measure("apply a code", apply, repeat=repeat)


def page_operations(bench: Bench, *, repeat: int) -> list[Result]:
    """The project page, and a code added on the codebook page under a top-level code, as its quick form
    posts it (the answer is the new code's row alone)."""
    parent = bench.project.codes.filter(parent__isnull=True).order_by("position", "pk").first()
    numbers = itertools.count(1)

    def add_code():
        return bench.client.post(
            bench.url("codebook:code_add"),
            {
                "name": f"Bench code {next(numbers)}",
                "level": "open",
                "is_codable": "on",
                "definition": "Added by the benchmark.",
                "parent": parent.pk,
                "compact": "",
            },
            headers={"HX-Request": "true"},
        )

    return [
        measure("project page", lambda: bench.client.get(bench.url("cases:project_detail")), repeat=repeat),
        measure("add a code on the codebook page", add_code, repeat=repeat),
    ]


def workspace_operations(bench: Bench, *, repeat: int) -> list[Result]:
    transcript = bench.workspace_transcript
    client = bench.client
    hx = {"HX-Request": "true"}

    def delete_coding():
        coding = (
            Coding.objects.filter(segment__transcript=transcript, coder=bench.user).order_by("-pk").first()
        )
        return client.post(
            bench.url("coding:coding_delete_hx", transcript_id=transcript.pk, coding_id=coding.pk), headers=hx
        )

    workspace = bench.url("coding:workspace", transcript_id=transcript.pk)
    return [
        measure(
            f"workspace page ({len(transcript.text.split())} words, "
            f"{Coding.objects.filter(segment__transcript=transcript).count()} codings)",
            lambda: client.get(workspace),
            repeat=repeat,
        ),
        apply_code(bench, repeat=repeat),
        measure("delete a coding", delete_coding, repeat=repeat),
        measure("codebook page", lambda: client.get(bench.url("codebook:codebook")), repeat=repeat),
        import_docx(bench, repeat=repeat),
    ]


def analysis_operations(bench: Bench, *, repeat: int) -> list[Result]:
    """The matrix (each measure, the valence view, attribute columns), a drill-down, retrieval and exports."""
    client = bench.client
    size = f"{bench.corpus.transcripts} interviews, {bench.corpus.codings:,} codings"
    matrix = bench.url("coding:matrix")
    code = bench.project.codes.filter(parent__isnull=True).values_list("pk", flat=True).first()
    case = bench.project.cases.values_list("pk", flat=True).first()
    hx = {"HX-Request": "true"}

    def get(url: str, **headers):
        return lambda: client.get(url, headers=headers)

    views = {
        "matrix, segments × case": get(matrix),
        "matrix, valence view": get(matrix + "?view=valence"),
        "matrix, interviews × role": get(matrix + "?measure=transcripts&columns=role"),
        "matrix, share of interviews": get(matrix + "?measure=share"),
        "matrix, respondents": get(matrix + "?measure=respondents"),
        "matrix drill-down, largest cell": get(
            bench.url("coding:matrix_cell_hx") + f"?node={code}&col=v:{case}", **hx
        ),
        "retrieval, code AND negative AND NOT a case": get(
            bench.url("coding:retrieval") + f"?all_codes={code}&valence=negative&not_case={case}"
        ),
        "matrix XLSX export": get(bench.url("coding:matrix_export") + "?format=xlsx"),
    }
    results = [measure(f"{name} ({size})", request, repeat=repeat) for name, request in views.items()]
    results.extend(reading_operations(bench, repeat=repeat, size=size))
    results.append(
        stream_export(f"excerpts CSV, every coding ({size})", get(bench.url("coding:excerpts_export")))
    )
    results.append(qdpx_export(bench, repeat=repeat, size=size))
    results.append(qdpx_import(bench, repeat=repeat, size=size))
    return results


def reading_operations(bench: Bench, *, repeat: int, size: str) -> list[Result]:
    """Reading one code's evidence as a researcher does: the second page of the most used code's quotations,
    as the retrieval page's "Next" link asks for it, and the excerpts of the median code as CSV, as its
    download link does."""
    used = list(
        Coding.objects.filter(segment__project=bench.project)
        .values_list("code_id")
        .annotate(n=Count("pk"))
        .order_by("n", "code_id")
        .values_list("code_id", "n")
    )
    (top, top_count), (median, median_count) = used[-1], used[len(used) // 2]
    client = bench.client
    # the second page, or the only one of a small corpus (past the end a page costs two queries more)
    passages = Coding.objects.filter(code_id=top).values("segment_id").distinct().count()
    number = 2 if passages > QUOTATIONS_PER_PAGE else 1
    page = bench.url("coding:retrieval") + f"?any_codes={top}&subcodes=yes&page={number}"
    csv = bench.url("coding:excerpts_export") + f"?any_codes={median}&subcodes=yes"
    return [
        measure(
            f"retrieval, page {number} of the top code's quotations ({top_count} codings; {size})",
            lambda: client.get(page, headers={"HX-Request": "true", "HX-Target": "results"}),
            repeat=repeat,
        ),
        measure(
            f"excerpts CSV, the median code ({median_count} codings; {size})",
            lambda: client.get(csv),
            repeat=repeat,
        ),
    ]


QDPX_RUNS = 3  # a whole-project archive takes seconds: a few runs give its median


def qdpx_export(bench: Bench, *, repeat: int, size: str) -> Result:
    """The whole project as a REFI-QDA archive, written as the worker writes it for the export job (the
    request only queues the job), then the job's page with its result; the archive's size in MB."""
    done = []

    def export():
        # Not queued (`enqueue` does nothing): the task runs here, as the worker would run it.
        job = jobs.start(
            project=bench.project, user=bench.user, kind=EXPORT, title="Benchmark export", enqueue=str
        )
        done.append(job.pk)
        export_project.call(str(job.pk))
        return bench.client.get(job.get_absolute_url())

    result = measure(f"export the project as .qdpx ({size})", export, repeat=min(repeat, QDPX_RUNS))
    finished = Job.objects.filter(pk__in=done, status=JobStatus.DONE)
    if len(finished) != len(done):
        raise AssertionError("export the project as .qdpx: a job did not finish")
    result.extra["archive_mb"] = round(finished[0].output.size / 2**20, 1)
    for job in finished:
        jobs.remove(job=job)
    return result


def qdpx_import(bench: Bench, *, repeat: int, size: str) -> Result:
    """The project's own archive, exported once, read (`read_archive`) and imported (`import_package`) into a
    fresh project per run, which is deleted after it with the coder identities the import made.

    The domain functions rather than the upload and confirmation pages, which add only the temporary file
    that waits between preview and confirmation.
    """
    buffer = io.BytesIO()
    write_qdpx(project=bench.project, file=buffer)
    data = buffer.getvalue()
    timings, queries = [], 0
    for run_number in range(min(repeat, QDPX_RUNS) + 1):
        fresh = Project.objects.create(
            name=f"{bench.project.name} (import {run_number})", created_by=bench.user
        )
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            package = read_archive(io.BytesIO(data), filename="bench.qdpx")
            imported = import_package(package=package, project=fresh, user=bench.user)
        elapsed = (time.perf_counter() - started) * 1000
        identities = list(imported_coders(fresh).values_list("pk", flat=True))
        remove_corpus(fresh)
        get_user_model().objects.filter(pk__in=identities).delete()
        if run_number == 0:  # counted (its queries logged), not timed, as in `measure`
            queries = len(captured)
            if imported.unplaced or imported.codings != bench.project_codings():
                raise AssertionError(f"import the project as .qdpx: {imported.codings} codings came back")
        else:
            timings.append(elapsed)
    return Result(
        f"import the project as .qdpx ({size})",
        len(timings),
        statistics.median(timings),
        percentile(timings, 0.95),
        queries,
        {"archive_mb": round(len(data) / 2**20, 1)},
    )


def agreement_operations(bench: Bench, *, repeat: int) -> list[Result]:
    """The agreement report on the corpus once the second coder has coded every interview again (after the
    other analysis figures, which stay comparable with earlier runs)."""
    added = double_code(project=bench.project)
    coders = get_user_model().objects.filter(username__in=["bench-coder-1", "bench-coder-2"])
    query = "&".join(f"coders={pk}" for pk in coders.values_list("pk", flat=True))
    size = f"{bench.corpus.transcripts} interviews, {bench.corpus.codings + added:,} codings"
    url = bench.url("coding:agreement")
    return [
        measure(
            f"agreement report, all codes, paragraph unit, two coders ({size})",
            lambda: bench.client.get(f"{url}?unit=paragraphs&{query}"),
            repeat=repeat,
        ),
        measure(
            f"agreement report, all codes, character unit, two coders ({size})",
            lambda: bench.client.get(f"{url}?unit=characters&{query}"),
            repeat=repeat,
        ),
    ]


def import_docx(bench: Bench, *, repeat: int) -> Result:
    """One file through the upload endpoint: extraction, normalisation, original stored, row written."""
    words = IMPORT_WORDS // 10 if bench.small else IMPORT_WORDS
    data = interview_docx(bench.rng, words=words, respondent="R")
    case = bench.project.cases.first()
    url = bench.url("cases:transcript_upload_hx", case_id=case.pk)

    def upload():
        return bench.client.post(
            url, {"files": SimpleUploadedFile("interview.docx", data)}, headers={"HX-Request": "true"}
        )

    return measure(f"import a DOCX ({words:,} words)", upload, repeat=repeat)


def run(
    *, scales: list[int], repeat: int, small: bool, keep: bool, report: Callable[[str], None]
) -> list[Result]:
    # Uploaded originals go to a folder of the run's own, removed with it like the rows the run created.
    # DEBUG is off as in production: with it on, Django logs every query's SQL. WhiteNoise then warns that no
    # static files were collected; the benchmark requests none.
    with (
        tempfile.TemporaryDirectory(prefix="crosscase-bench-") as media,
        override_settings(MEDIA_ROOT=media, DEBUG=False),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        return _run(scales=scales, repeat=repeat, small=small, keep=keep, report=report)


def _run(
    *, scales: list[int], repeat: int, small: bool, keep: bool, report: Callable[[str], None]
) -> list[Result]:
    results: list[Result] = []
    for scale in scales:
        report(f"Preparing scale {scale}…")
        started = time.perf_counter()
        bench = prepare(scale=scale, small=small)
        report(
            f"  {bench.corpus.transcripts} transcripts, {bench.corpus.codings} codings "
            f"in {time.perf_counter() - started:.1f} s"
        )
        try:
            if scale == scales[0]:
                results.extend(workspace_operations(bench, repeat=repeat))
            results.extend(page_operations(bench, repeat=repeat))
            results.extend(analysis_operations(bench, repeat=repeat))
            results.extend(agreement_operations(bench, repeat=repeat))
        finally:
            if not keep:
                remove_corpus(bench.project)
    return results
