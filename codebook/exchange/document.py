"""The codebook as a document: the whole tree with definitions, criteria, examples and relations, as teams
attach it to a paper's appendix. The same outline feeds the printable page and the DOCX file.

Memos belong to the coding app, which builds on this one: the view hands their notes in, per code.
"""

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from cases.models import Project
from codebook.models import Code, CodeRelation, Framework
from codebook.seeding import available_frameworks, load_framework

# Characters XML 1.0 cannot hold; a pasted definition may carry them and python-docx would refuse the text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class Section:
    """The codes under the top-level codes of one framework, in tree order."""

    key: str
    title: str
    description: str
    codes: list[Code] = field(default_factory=list)


def sections(codes: list[Code]) -> list[Section]:
    """`codes` (from `in_tree_order`) grouped by the framework of their top-level code, so a sub-tree always
    stays with its root even when one of its codes comes from another framework."""
    seeded = available_frameworks()
    by_key: dict[str, Section] = {}
    root_framework = None
    for code in codes:
        if code.depth == 0:
            root_framework = code.framework
        if root_framework not in by_key:
            spec = load_framework(root_framework) if root_framework in seeded else None
            by_key[root_framework] = Section(
                key=root_framework,
                title=spec.title if spec else f"{Framework(root_framework).label} codes",
                description=spec.description if spec else "",
            )
        by_key[root_framework].codes.append(code)
    return [by_key[key] for key in Framework.values if key in by_key]


@dataclass(frozen=True)
class Note:
    """A memo as a document prints it under its code."""

    title: str
    text: str
    author: str
    created: datetime

    @property
    def byline(self) -> str:
        return f"{self.author}, {self.created:%d %B %Y}"


@dataclass
class Entry:
    code: Code
    number: str
    outgoing: list[CodeRelation]
    incoming: list[CodeRelation]
    notes: list[Note] = field(default_factory=list)


def outline(
    *, project: Project, notes: Mapping[int, list[Note]] | None = None
) -> list[tuple[Section, list[Entry]]]:
    """Sections with their codes numbered 1, 1.1, 1.1.1…, each with its `notes` (code id → memos); two
    queries (codes, relations)."""
    notes = notes or {}
    codes = project.codes.in_tree_order()
    outgoing: dict[int, list[CodeRelation]] = {}
    incoming: dict[int, list[CodeRelation]] = {}
    for relation in project.code_relations.select_related("source", "target").order_by("kind", "pk"):
        outgoing.setdefault(relation.source_id, []).append(relation)
        incoming.setdefault(relation.target_id, []).append(relation)
    result = []
    for section in sections(codes):
        counters: list[int] = []
        entries = []
        for code in section.codes:
            counters = counters[: code.depth + 1]
            while len(counters) <= code.depth:
                counters.append(0)
            counters[code.depth] += 1
            number = ".".join(str(n) for n in counters)
            entries.append(
                Entry(
                    code,
                    number,
                    outgoing.get(code.pk, []),
                    incoming.get(code.pk, []),
                    list(notes.get(code.pk, [])),
                )
            )
        result.append((section, entries))
    return result


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def docx(*, project: Project, notes: Mapping[int, list[Note]] | None = None) -> bytes:
    """The codebook document as a Word file, with `notes` (code id → memos) under their codes; two queries."""
    from docx import Document  # imported here: python-docx loads lxml, which only this export needs
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = xml_safe(f"Codebook: {project.name}")
    document.add_heading(xml_safe(f"Codebook: {project.name}"), level=0)
    parts = outline(project=project, notes=notes)
    count = sum(len(entries) for _, entries in parts)
    document.add_paragraph(f"{count} codes · {timezone.localdate():%d %B %Y}").runs[0].italic = True
    for section, entries in parts:
        document.add_heading(xml_safe(section.title), level=1)
        if section.description:
            document.add_paragraph(xml_safe(section.description))
        for entry in entries:
            code = entry.code
            heading = document.add_heading(level=min(code.depth + 2, 9))
            swatch = heading.add_run("■ ")
            swatch.font.color.rgb = RGBColor.from_string(code.colour[1:].upper())
            heading.add_run(xml_safe(f"{entry.number} {code.name}"))
            facts = [code.get_level_display(), code.get_framework_display()]
            if code.is_core:
                facts.append("core category")
            if not code.is_codable:
                facts.append("category (not codable)")
            meta = document.add_paragraph().add_run(" · ".join(facts))
            meta.italic = True
            meta.font.size = Pt(9)
            for label, value in code.guidance():
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{label}: ").bold = True
                paragraph.add_run(xml_safe(value))
            relations = [f"{r.kind_label} “{r.target.name}”" for r in entry.outgoing]
            relations += [f"“{r.source.name}” {r.kind_label} this code" for r in entry.incoming]
            if relations:
                paragraph = document.add_paragraph()
                paragraph.add_run("Relations: ").bold = True
                paragraph.add_run(xml_safe("; ".join(relations)))
            for note in entry.notes:
                paragraph = document.add_paragraph()
                paragraph.add_run(xml_safe(f"Memo: {note.title}" if note.title else "Memo")).bold = True
                paragraph.add_run(xml_safe(f" ({note.byline})")).italic = True
                for line in xml_safe(note.text).split("\n"):
                    document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
