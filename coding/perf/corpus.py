"""A deterministic synthetic project for benchmarks and load tests: many long coded interviews, made fast.

Scale 1 is the size of the meta-analysis the tool was built for (3 cities, 76 interviews of about 8,000 words,
300 coded passages each); scale N has N times the interviews. Everything is bulk-inserted.
"""

import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from docx import Document

from cases.deletion import delete_with_originals
from cases.models import Attribute, Case, CaseAttributeValue, Membership, Project, Role, Transcript
from cases.speakers import store_recognised
from codebook.models import Code, Framework, Level
from codebook.seeding import seed_framework
from coding.models import Coding, Segment, UndoStep, Valence

WORDS = (
    "data sharing bureau agency department platform leader policy city district system report budget "
    "ownership information citizens service approval security standard interface partner meeting office "
    "province ministry license database access request government project official public resource "
    "technology staff training cost risk benefit trust exchange record permission pressure priority"
).split()
CHINESE = "數據共享部門平台領導政策城市系統預算資源權限信任交換標準會議服務市民𠮷𡈽"
CITIES = [
    ("City X", 10, 1200, "2018"),
    ("City Y", 1, 37, "2020–21"),
    ("City Z", 5, 640, "2021"),
]
TRANSCRIPTS_PER_SCALE = 76
WORDS_PER_TRANSCRIPT = 8_000
SEGMENTS_PER_TRANSCRIPT = 300
OPEN_CODES = 60


@dataclass(frozen=True)
class CorpusSummary:
    project: Project
    transcripts: int
    segments: int
    codings: int


def interview_text(rng: random.Random, *, words: int, respondent: str, chinese: bool) -> str:
    """Speaker turns of 20–120 words; some turns carry Chinese phrases with characters outside the BMP."""
    turns = []
    written = 0
    speaker_index = 0
    while written < words:
        length = rng.randint(20, 120)
        body = [rng.choice(WORDS) for _ in range(length)]
        if chinese and rng.random() < 0.3:
            start = rng.randrange(len(CHINESE) - 6)
            body.insert(rng.randrange(len(body)), CHINESE[start : start + rng.randint(3, 6)])
        sentence = " ".join(body).capitalize() + "."
        speaker = "Interviewer" if speaker_index % 2 == 0 else respondent
        turns.append(f"{speaker}: {sentence}")
        written += length
        speaker_index += 1
    return "\n\n".join(turns)


def interview_docx(rng: random.Random, *, words: int, respondent: str) -> bytes:
    """A Word file of an interview as transcribers deliver it: each turn a paragraph led by a bold name."""
    document = Document()
    for turn in interview_text(rng, words=words, respondent=respondent, chinese=False).split("\n\n"):
        speaker, speech = turn.split(": ", 1)
        paragraph = document.add_paragraph()
        paragraph.add_run(speaker).bold = True
        paragraph.add_run(f" {speech}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def spans(rng: random.Random, text: str, count: int) -> list[tuple[int, int]]:
    """`count` distinct word-aligned spans of 5–40 words inside single paragraphs."""
    boundaries = [0]
    for index, char in enumerate(text):
        if char == " ":
            boundaries.append(index + 1)
    found = set()
    while len(found) < count:
        first = rng.randrange(len(boundaries) - 45)
        start = boundaries[first]
        end = boundaries[first + rng.randint(5, 40)] - 1
        paragraph_break = text.find("\n\n", start, end)
        if paragraph_break != -1:
            end = paragraph_break
        while end > start and text[end - 1] in " \n":
            end -= 1
        if end - start > 3:
            found.add((start, end))
    return sorted(found)


def make_corpus(
    *,
    scale: int = 1,
    seed: int = 1,
    name: str | None = None,
    transcripts_per_scale: int = TRANSCRIPTS_PER_SCALE,
    words: int = WORDS_PER_TRANSCRIPT,
    segments_per_transcript: int = SEGMENTS_PER_TRANSCRIPT,
) -> CorpusSummary:
    """Creates the project; the smaller sizes exist for smoke runs that must finish in seconds."""
    with transaction.atomic():
        rng = random.Random(seed)
        users = get_user_model().objects
        coders = [users.get_or_create(username=f"bench-coder-{n}")[0] for n in (1, 2)]
        project = Project.objects.create(
            name=name or f"Benchmark corpus (scale {scale})",
            description="Synthetic interviews generated for benchmarks; not real data.",
        )
        Membership.objects.bulk_create(
            [
                Membership(project=project, user=coders[0], role=Role.OWNER),
                Membership(project=project, user=coders[1], role=Role.CODER),
            ]
        )
        for framework in ("icaf", "ior"):
            seed_framework(project=project, framework=framework)
        parents = list(project.codes.filter(level=Level.AXIAL))
        Code.objects.bulk_create(
            [
                Code(
                    project=project,
                    parent=parents[index % len(parents)],
                    name=f"Open code {index + 1:02d}",
                    level=Level.OPEN,
                    framework=Framework.EMERGENT,
                    colour="#" + "".join(f"{rng.randrange(0x80, 0x100):02x}" for _ in range(3)),
                    definition="Synthetic open code.",
                    position=100 + index,
                )
                for index in range(OPEN_CODES)
            ]
        )
        codable = list(project.codes.filter(is_codable=True).values_list("pk", flat=True))

        population = Attribute.objects.create(
            project=project, applies_to="case", name="Population (millions)", kind="number"
        )
        cases = []
        for city, people, _gdp, _period in CITIES:
            case = Case.objects.create(project=project, name=city)
            CaseAttributeValue.objects.create(case=case, attribute=population, value_number=people)
            cases.append(case)

        count = transcripts_per_scale * scale
        roles = ["leader", "public servant", "IT specialist", "data manager"]
        transcripts = Transcript.objects.bulk_create(
            [
                Transcript(
                    case=cases[index % len(cases)],
                    title=f"Interview {index + 1:04d}",
                    respondent=f"R{index + 1:04d}",
                    respondent_role=roles[index % len(roles)],
                    language="en",
                    text=interview_text(
                        rng, words=words, respondent=f"R{index + 1:04d}", chinese=index % 5 == 0
                    ),
                )
                for index in range(count)
            ],
            batch_size=200,
        )
        store_recognised(transcripts=transcripts)
        total_segments = total_codings = 0
        for transcript in transcripts:
            chosen = spans(rng, transcript.text, segments_per_transcript)
            segments = Segment.objects.bulk_create(
                [
                    Segment(
                        transcript=transcript,
                        start=start,
                        end=end,
                        quote=transcript.text[start:end],
                        created_by=coders[position % 2],
                        memo="Synthetic memo." if position % 10 == 0 else "",
                    )
                    for position, (start, end) in enumerate(chosen)
                ],
                batch_size=1000,
            )
            codings = []
            for segment in segments:
                for code_id in rng.sample(codable, rng.randint(1, 3)):
                    codings.append(
                        Coding(
                            segment=segment,
                            code_id=code_id,
                            coder_id=segment.created_by_id,
                            valence=rng.choice((Valence.POSITIVE, Valence.NEGATIVE, Valence.NONE)),
                        )
                    )
            Coding.objects.bulk_create(codings, batch_size=2000)
            total_segments += len(segments)
            total_codings += len(codings)
        summary = CorpusSummary(
            project=project, transcripts=count, segments=total_segments, codings=total_codings
        )
    _refresh_statistics()  # once committed: the statistics then count the new rows
    return summary


def double_code(*, project: Project, seed: int = 2) -> int:
    """A second, independent coding of every interview, for the agreement report: the second coder codes
    again each passage the first coder coded, as a second reader would, with boundaries up to a few words
    off, the same code seven times in ten and the same valence eight times in ten. Returns the codings made.
    """
    rng = random.Random(seed)
    first, second = (
        get_user_model().objects.get(username=f"bench-coder-{n}", memberships__project=project)
        for n in (1, 2)
    )
    codable = list(project.codes.filter(is_codable=True).values_list("pk", flat=True))
    texts = dict(project.transcripts.values_list("pk", "text"))
    taken = set(
        Segment.objects.filter(project=project, created_by=second).values_list(
            "transcript_id", "start", "end"
        )
    )
    originals: dict = {}
    for segment_id, transcript_id, start, end, code_id, valence in (
        Coding.objects.filter(segment__project=project, coder=first)
        .order_by("segment_id", "code_id")
        .values_list(
            "segment_id", "segment__transcript_id", "segment__start", "segment__end", "code_id", "valence"
        )
    ):
        originals.setdefault(segment_id, (transcript_id, start, end, []))[3].append((code_id, valence))
    segments, choices = [], []
    with transaction.atomic():
        for transcript_id, start, end, codings in originals.values():
            start = max(0, start + rng.randint(-30, 30))
            text = texts[transcript_id]
            end = min(len(text), max(start + 5, end + rng.randint(-30, 30)))
            if start >= end or (transcript_id, start, end) in taken:
                continue
            taken.add((transcript_id, start, end))
            segments.append(
                Segment(
                    transcript_id=transcript_id,
                    project=project,
                    start=start,
                    end=end,
                    quote=text[start:end],
                    created_by=second,
                )
            )
            choices.append(codings)
        created = Segment.objects.bulk_create(segments, batch_size=1000)
        codings = []
        for segment, originals_of in zip(created, choices, strict=True):
            codes = {code if rng.random() < 0.7 else rng.choice(codable) for code, _ in originals_of}
            valences = dict(originals_of)
            for code in codes:
                valence = valences.get(code, Valence.NONE)
                if rng.random() >= 0.8:
                    valence = rng.choice((Valence.POSITIVE, Valence.NEGATIVE, Valence.NONE))
                codings.append(Coding(segment=segment, code_id=code, coder=second, valence=valence))
        Coding.objects.bulk_create(codings, batch_size=2000)
    _refresh_statistics()
    return len(codings)


BULK_TABLES = (Transcript, Segment, Coding, Code)


def _refresh_statistics() -> None:
    """Bulk loads outrun autovacuum; fresh planner statistics give the plans a settled database would use."""
    with connection.cursor() as cursor:
        for model in BULK_TABLES:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def remove_corpus(project: Project) -> None:
    """Deletes a generated project, its uploaded files and the users made for it and, on PostgreSQL,
    vacuums what it leaves: hundreds of thousands of dead rows would slow every later run until autovacuum
    came by, and some servers run without it.

    The users made for it are its members that it leaves in no project: a coder another kept run still uses
    stays, and so does anyone whose codings another project holds.
    """
    with transaction.atomic():
        members = list(project.members.values_list("pk", flat=True))
        delete_with_originals(doomed=project)
        made_for_it = get_user_model().objects.filter(pk__in=members)
        made_for_it.filter(memberships__isnull=True, codings__isnull=True).delete()
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            for model in (*BULK_TABLES, UndoStep):
                cursor.execute(f"VACUUM (ANALYZE) {model._meta.db_table}")
