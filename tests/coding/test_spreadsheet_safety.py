"""Every CSV and XLSX export guards cells a spreadsheet would run as formulas (see
codebook.exchange.spreadsheets): formula-like text gets a quote in CSV and is a quote-prefixed string cell in
XLSX; numbers stay numbers, and "−1" with a real minus sign is left as it is. The codebook CSV import reads
back what the export wrote."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from codebook.exchange.spreadsheets import guard_csv, unguard_csv
from tests.factories import CodeFactory, MembershipFactory, ProjectFactory

HOSTILE = {
    '=HYPERLINK("http://example.org/x","open me")': '\'=HYPERLINK("http://example.org/x","open me")',
    "+1": "'+1",
    "-2+3": "'-2+3",
    "@handle thanks for the thread": "'@handle thanks for the thread",
    "\tcmd": "'\tcmd",
    "\rcmd": "'\rcmd",
    "−1 pushes apart": "−1 pushes apart",  # U+2212, as the valence figures print it: not a formula
    "'=already quoted": "''=already quoted",  # one more quote, so reading back is exact
    "It's fine": "It's fine",
}


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize(("value", "written"), HOSTILE.items())
def test_text_is_guarded_reversibly(value, written):
    assert guard_csv(value) == written
    assert unguard_csv(written) == value


def test_numbers_are_never_guarded():
    assert [guard_csv(value) for value in (-1, -2.5, 0, None)] == [-1, -2.5, 0, None]


def test_excerpt_csv_guards_every_text_cell_with_or_without_excel(client_for, analysis, viewer):
    segments = [getattr(analysis.segments, f"s{n}") for n in range(1, 8)]
    memos = dict(zip((s.quote for s in segments), list(HOSTILE)[:7], strict=True))
    for segment in segments:
        segment.memo = memos[segment.quote]
        segment.save()
    analysis.codes.marking.name = "@marking"
    analysis.codes.marking.save()
    client = client_for(viewer)
    for query in ("", "?excel=on"):
        response = client.get(reverse("coding:excerpts_export", args=[analysis.project.pk]) + query)
        header, *rows = csv_rows(b"".join(response.streaming_content))
        found = [dict(zip(header, row, strict=True)) for row in rows]
        for row in found:
            assert row["segment memo"] == HOSTILE[memos[row["excerpt"]]]
            assert row["paragraph"].isdigit() and row["start"].isdigit()  # numbers as written, unquoted
        marking = next(row for row in found if row["code"].endswith("@marking"))
        assert marking["code"] == "'@marking"
        assert marking["code path"] == "Territory › @marking"  # starts with a letter: left as it is


@pytest.fixture
def hostile_codes(analysis):
    for position, name in enumerate(HOSTILE, start=10):
        CodeFactory(project=analysis.project, name=name, position=position)
    return analysis


def test_matrix_csv_guards_names_and_keeps_numbers(client_for, hostile_codes, viewer):
    project = hostile_codes.project
    for query in ("?view=valence&format=csv", "?view=valence&format=csv&excel=on"):
        response = client_for(viewer).get(reverse("coding:matrix_export", args=[project.pk]) + query)
        content = response.content
        assert content.startswith(b"\xef\xbb\xbf") == ("excel=on" in query)
        lines = csv_rows(content)
        table = lines[lines.index([]) + 1 :]
        by_name = {row[0]: row for row in table[1:]}
        for written in HOSTILE.values():
            assert by_name[written][1] == written  # the code path, a top-level code's name
        # pi's and ra's ownership codings: net −1 in City X; a negative number stays a number
        assert by_name["Data ownership"][4:7] == ["0", "2", "-2"]


def test_matrix_xlsx_stores_formula_like_text_as_text_and_numbers_as_numbers(
    client_for, hostile_codes, viewer
):
    project = hostile_codes.project
    response = client_for(viewer).get(
        reverse("coding:matrix_export", args=[project.pk]) + "?view=valence&format=xlsx"
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value is not None}
    for value in HOSTILE:
        cell = rows[value][0]
        assert (cell.value, cell.data_type) == (value, "s")  # the text exactly, as a string cell
        assert cell.quotePrefix == (value[:1] in "=+-@\t\r")
    net = rows["Data ownership"][6]
    assert (net.value, net.data_type) == (-2, "n")


def test_codebook_csv_guards_cells_and_the_import_reads_them_back(client_for, owner, project):
    names = ["=SUM(A1)", "@home", "-2+3", "'=already quoted", "−1 pushes apart"]
    for position, name in enumerate(names):
        CodeFactory(project=project, name=name, definition="+ pulls together", position=position)
    client = client_for(owner)
    exported = b"".join(client.get(reverse("codebook:export_csv", args=[project.pk])).streaming_content)
    header, *rows = csv_rows(exported)
    assert [row[0] for row in rows] == [
        "'=SUM(A1)",
        "'@home",
        "'-2+3",
        "''=already quoted",
        "−1 pushes apart",
    ]
    assert {row[header.index("definition")] for row in rows} == {"'+ pulls together"}

    target = ProjectFactory(name="Second study")
    MembershipFactory(project=target, user=owner, role="owner")
    preview = client.post(
        reverse("codebook:import_upload", args=[target.pk]),
        {"file": SimpleUploadedFile("codebook.csv", exported)},
    )
    token = preview.text.split('name="payload" value="', 1)[1].split('"', 1)[0]
    client.post(reverse("codebook:import_confirm", args=[target.pk]), {"payload": token})
    assert sorted(target.codes.values_list("name", "definition")) == sorted(
        (name, "+ pulls together") for name in names
    )
