"""Exporting a codebook: REFI-QDA `.qdc` (the exchange format of ATLAS.ti, NVivo, MAXQDA, QualCoder…) and CSV.

REFI-QDA codebooks carry names, hierarchy, GUIDs, colours, codability and one description per code. The
description holds the definition followed by the criteria and example under fixed headings, which the
importer splits again; levels, frameworks and core categories travel as code sets ("Level: Axial",
"Framework: IOR", "Core categories"), which other tools show as code groups. GUIDs are the codes' own, and
sets get GUIDs derived from the project and the set's name, so exporting twice gives the same identifiers.
CSV cells a spreadsheet would run as formulas are guarded (`spreadsheets`); the CSV import reverses it.
"""

import csv
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator

from cases.models import Project
from codebook.exchange.spreadsheets import guard_csv
from codebook.models import Code, Framework, Level

QDC_NAMESPACE = "urn:QDA-XML:codebook:1.0"
# The headings under which criteria and example follow the definition in a REFI-QDA description.
SECTIONS = (("inclusion", "Inclusion criteria"), ("exclusion", "Exclusion criteria"), ("example", "Example"))
CORE_SET = "Core categories"
CSV_COLUMNS = [
    "path",
    "level",
    "framework",
    "definition",
    "inclusion",
    "exclusion",
    "example",
    "colour",
    "codable",
    "core",
    "guid",
]
PATH_SEPARATOR = " > "


def level_set(level: str) -> str:
    return f"Level: {Level(level).label}"


def framework_set(framework: str) -> str:
    return f"Framework: {Framework(framework).label}"


def description(code: Code) -> str:
    parts = [code.definition] if code.definition else []
    parts += [f"{label}: {getattr(code, name)}" for name, label in SECTIONS if getattr(code, name)]
    return "\n\n".join(parts)


def qdc(*, project: Project) -> bytes | None:
    """The project's codebook as a REFI-QDA codebook file (valid against Codebook.xsd); one query.

    None for an empty codebook: the schema requires at least one code.
    """
    codes = project.codes.in_tree_order()
    if not codes:
        return None
    # The namespace is declared as the default on the root and the elements are left unprefixed, as REFI-QDA
    # files are written (ElementTree cannot combine a default namespace with unqualified attributes).
    root = ET.Element("CodeBook", xmlns=QDC_NAMESPACE, origin="Crosscase")
    codes_element = ET.SubElement(root, "Codes")
    elements: dict[int, ET.Element] = {}
    for code in codes:
        parent = elements[code.parent_id] if code.parent_id else codes_element
        element = ET.SubElement(
            parent,
            "Code",
            guid=str(code.guid),
            name=code.name,
            isCodable="true" if code.is_codable else "false",
            color=code.colour,
        )
        text = description(code)
        if text:
            ET.SubElement(element, "Description").text = text
        elements[code.pk] = element
    sets = code_sets(project=project, codes=codes)
    if sets:
        sets_element = ET.SubElement(root, "Sets")
        for name, guid, members in sets:
            element = ET.SubElement(sets_element, "Set", guid=str(guid), name=name)
            for code in members:
                ET.SubElement(element, "MemberCode", guid=str(code.guid))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def code_sets(*, project: Project, codes: list[Code]) -> list[tuple[str, uuid.UUID, list[Code]]]:
    """(name, GUID, member codes) of each set that carries levels, frameworks and core categories, in a fixed
    order and without empty sets; the codes in the order given."""
    members: dict[str, list[Code]] = {}
    for code in codes:
        members.setdefault(level_set(code.level), []).append(code)
        members.setdefault(framework_set(code.framework), []).append(code)
        if code.is_core:
            members.setdefault(CORE_SET, []).append(code)
    names = [level_set(level) for level in Level.values] + [framework_set(key) for key in Framework.values]
    names.append(CORE_SET)
    return [(name, set_guid(project, name), members[name]) for name in names if name in members]


def set_guid(project: Project, name: str) -> uuid.UUID:
    return uuid.uuid5(project.pk, f"codebook-set:{name}")


def escape_name(name: str) -> str:
    return name.replace("\\", "\\\\").replace(">", "\\>")


def path_names(code: Code, by_id: dict[int, Code]) -> list[str]:
    names, node = [], code
    while node is not None:
        names.append(node.name)
        node = by_id.get(node.parent_id)
    return names[::-1]


def csv_rows(*, project: Project) -> Iterator[list[str]]:
    """The header, then one row per code in tree order; one query."""
    codes = project.codes.in_tree_order()
    by_id = {code.pk: code for code in codes}
    yield CSV_COLUMNS
    for code in codes:
        yield [
            PATH_SEPARATOR.join(escape_name(name) for name in path_names(code, by_id)),
            code.level,
            code.framework,
            code.definition,
            code.inclusion,
            code.exclusion,
            code.example,
            code.colour,
            "yes" if code.is_codable else "no",
            "yes" if code.is_core else "no",
            str(code.guid),
        ]


class Echo:
    """A file-like object for csv.writer that hands each line back instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(*, project: Project, bom: bool = False) -> Iterator[str]:
    """CSV text line by line, for a streaming response; with `bom` it starts with the mark Excel needs to read
    UTF-8 (Chinese names and definitions would otherwise turn into mojibake)."""
    if bom:
        yield "\ufeff"
    writer = csv.writer(Echo())
    for row in csv_rows(project=project):
        yield writer.writerow([guard_csv(value) for value in row])
