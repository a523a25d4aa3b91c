"""Codebook exchange: REFI-QDA .qdc and CSV export and import, Taguette and QualCoder codebooks, the preview
before anything is written, and refusals that name the line at fault."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import etree

from codebook.exchange import exports, imports
from codebook.models import Code, CodebookEvent
from codebook.seeding import seed_framework
from tests.factories import CodeFactory, MembershipFactory, ProjectFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REFI = FIXTURES / "refi"
CORPUS = FIXTURES / "corpus"
SCHEMA = etree.XMLSchema(etree.parse(str(REFI / "Codebook.xsd")))
QDC = "{urn:QDA-XML:codebook:1.0}"


def tree_of(project) -> dict[tuple[str, ...], dict]:
    """Every code by its path of names, with what an exchange must keep."""
    codes = {code.pk: code for code in project.codes.all()}
    result = {}
    for code in codes.values():
        path, node = [], code
        while node is not None:
            path.append(node.name)
            node = codes.get(node.parent_id)
        result[tuple(reversed(path))] = {
            "definition": code.definition,
            "inclusion": code.inclusion,
            "exclusion": code.exclusion,
            "example": code.example,
            "colour": code.colour,
            "is_codable": code.is_codable,
            "level": code.level,
            "framework": code.framework,
            "is_core": code.is_core,
        }
    return result


def upload(client, project, path_or_name, content: bytes | None = None):
    if content is None:
        content = Path(path_or_name).read_bytes()
    name = Path(path_or_name).name
    return client.post(
        reverse("codebook:import_upload", args=[project.pk]), {"file": SimpleUploadedFile(name, content)}
    )


def payload(response) -> str:
    return re.search(r'name="payload" value="([^"]+)"', response.text).group(1)


def confirm(client, project, token: str):
    return client.post(reverse("codebook:import_confirm", args=[project.pk]), {"payload": token})


@pytest.fixture
def seeded(project):
    seed_framework(project=project, framework="ior")
    seed_framework(project=project, framework="icaf")
    status = project.codes.get(name="Interagency status")
    status.is_core = True
    status.save()
    tension = project.codes.get(name="Tension")
    tension.colour = "#abcdef"
    tension.definition = "Line one.\nLine two, with “quotes” & <angle brackets>."
    tension.save()
    CodeFactory(project=project, name="数据壁垒 > 部门", definition="", colour="#123456", is_codable=False)
    return project


# REFI-QDA .qdc export


def test_exported_qdc_validates_against_the_schema(client_for, viewer, seeded, django_assert_max_num_queries):
    client = client_for(viewer)
    with django_assert_max_num_queries(5):  # session, user, membership, codes, the access log's row
        response = client.get(reverse("codebook:export_qdc", args=[seeded.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="codebook-interagency-data-sharing.qdc"'
    document = etree.fromstring(response.content)
    SCHEMA.assertValid(document)
    codes = document.findall(f".//{QDC}Code")
    assert len(codes) == seeded.codes.count()
    assert {code.get("guid") for code in codes} == {
        str(guid) for guid in seeded.codes.values_list("guid", flat=True)
    }
    top = [code.get("name") for code in document.find(f"{QDC}Codes")]
    assert "Determinants of interagency relationships" in top and "Participation dilemma" in top
    sets = {s.get("name"): len(s) for s in document.iter(f"{QDC}Set")}
    assert sets["Core categories"] == 3 and sets["Framework: IOR"] == 22


def test_qdc_exports_are_stable(client_for, viewer, seeded):
    client = client_for(viewer)
    first = client.get(reverse("codebook:export_qdc", args=[seeded.pk])).content
    assert client.get(reverse("codebook:export_qdc", args=[seeded.pk])).content == first


def test_empty_codebook_has_nothing_to_export(client_for, viewer, project):
    response = client_for(viewer).get(reverse("codebook:export_qdc", args=[project.pk]), follow=True)
    assert "The codebook is empty: there is nothing to export." in response.text


def test_qdc_round_trip_into_a_new_project_keeps_everything(client_for, owner, seeded):
    exported = client_for(owner).get(reverse("codebook:export_qdc", args=[seeded.pk])).content
    target = ProjectFactory(name="Replication study")
    MembershipFactory(project=target, user=owner, role="owner")
    client = client_for(owner)

    preview = upload(client, target, "codebook.qdc", exported)
    assert preview.status_code == 200
    assert f"<strong>{seeded.codes.count()}</strong> new" in preview.text
    assert not target.codes.exists()  # nothing written before the confirmation

    response = confirm(client, target, payload(preview))
    assert response.status_code == 302
    assert tree_of(target) == tree_of(seeded)
    assert set(target.codes.values_list("guid", flat=True)) == set(
        seeded.codes.values_list("guid", flat=True)
    )
    event = CodebookEvent.objects.get(project=target)
    assert event.action == "import" and event.user == owner
    count = seeded.codes.count()
    assert (
        event.summary
        == f"Imported codebook.qdc (REFI-QDA codebook (.qdc)): {count} new, 0 changed, 0 unchanged"
    )

    # The same file again changes nothing.
    again = upload(client, target, "codebook.qdc", exported)
    assert (
        f"<strong>0</strong> new, <strong>0</strong> changed, <strong>{count}</strong> unchanged"
        in again.text
    )


def test_qdc_import_updates_codes_it_recognises_by_guid(client_for, owner, seeded):
    exported = exports.qdc(project=seeded).decode()
    tension = seeded.codes.get(name="Tension")
    exported = exported.replace('name="Tension"', 'name="Interagency tension"').replace("#abcdef", "#ABC")
    client = client_for(owner)
    preview = upload(client, seeded, "edited.qdc", exported.encode())
    assert "<strong>0</strong> new, <strong>1</strong> changed" in preview.text
    assert (
        "name: Tension → Interagency tension" in preview.text and "colour: #abcdef → #aabbcc" in preview.text
    )
    confirm(client, seeded, payload(preview))
    tension.refresh_from_db()
    assert (tension.name, tension.colour) == ("Interagency tension", "#aabbcc")


def test_qdc_import_moves_a_code_to_where_the_file_puts_it(client_for, owner, seeded):
    document = etree.fromstring(exports.qdc(project=seeded))
    tension = document.find(f".//{QDC}Code[@name='Tension']")
    tension.getparent().remove(tension)
    document.find(f"{QDC}Codes").append(tension)
    client = client_for(owner)
    preview = upload(client, seeded, "moved.qdc", etree.tostring(document))
    assert "place: Interagency status → top level" in preview.text
    confirm(client, seeded, payload(preview))
    assert seeded.codes.get(name="Tension").parent is None


# The two .qdc samples


def test_sample_qdc_with_non_uuid_guids_is_accepted_and_remapped(client_for, owner, project):
    client = client_for(owner)
    preview = upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc")
    assert preview.status_code == 200
    assert "<strong>44</strong> new" in preview.text
    assert "44 codes in the file have a GUID that is not a UUID" in preview.text
    confirm(client, project, payload(preview))
    assert project.codes.count() == 44
    top = project.codes.get(name="Negativ/Aufgeregt", parent=None)
    assert top.definition == "All emotions with negative valence and positive arousal."  # whitespace trimmed
    assert top.colour == "#e57373" and top.framework == "imported" and top.level == "open"
    assert set(top.children.values_list("colour", flat=True)) == {"#c95858"}
    assert top.children.count() == 15
    assert all(len(str(guid)) == 36 for guid in project.codes.values_list("guid", flat=True))
    # Importing it again recognises every code by name and place.
    again = upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc")
    assert "<strong>0</strong> new, <strong>0</strong> changed, <strong>44</strong> unchanged" in again.text


def test_defective_sample_qdc_is_refused_with_the_line_at_fault(client_for, owner, project):
    response = upload(client_for(owner), project, REFI / "mastodonmoodboard_example_codebook_defect.qdc")
    assert response.status_code == 400
    assert "Line 132, column 15: the file is not well-formed XML (mismatched tag)." in response.text
    assert not project.codes.exists() and not CodebookEvent.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b'<?xml version="1.0"?>\n<Project xmlns="urn:QDA-XML:project:1.0"/>',
            "Line 2: this is not a REFI-QDA codebook",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n<Code guid="x" isCodable="true"/>'
            b"</Codes></CodeBook>",
            "Line 2: &lt;Code&gt; has no name attribute.",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n<Code guid="x" name="A" isCodable="maybe"/>'
            b"</Codes></CodeBook>",
            "Line 2: isCodable must be true or false",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="A" isCodable="true"/>\n'
            b'<Code guid="x" name="B" isCodable="true"/></Codes></CodeBook>',
            "Line 2: the GUID x is used by another code too.",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>\n\n<Code guid="x" name="A" isCodable="true" '
            b'color="red"/></Codes></CodeBook>',
            "Line 3: “red” is not a colour",
        ),
        (
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="A" isCodable="true"/>\n'
            b'<Code guid="y" name="a" isCodable="true"/></Codes></CodeBook>',
            "Line 2: “a” would stand next to another code named “A” (line 1) at the top level.",
        ),
        (
            b'<?xml version="1.0"?>\n<!DOCTYPE CodeBook [<!ENTITY x "boom">]>\n'
            b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes><Code guid="x" name="&x;" isCodable="true"/>'
            b"</Codes></CodeBook>",
            "declares a DTD or entities",
        ),
        (b'<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes/></CodeBook>', "The file holds no codes."),
        (b"", "The submitted file is empty."),
    ],
)
def test_malformed_qdc_files_are_refused_and_nothing_is_written(client_for, owner, project, content, message):
    response = upload(client_for(owner), project, "bad.qdc", content)
    assert response.status_code == 400
    assert message in response.text
    assert not project.codes.exists()


def test_preview_writes_nothing_until_confirmed_and_confirmation_writes_once(client_for, owner, project):
    client = client_for(owner)
    preview = upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc")
    token = payload(preview)
    assert not project.codes.exists() and not CodebookEvent.objects.exists()
    assert confirm(client, project, token).status_code == 302
    assert project.codes.count() == 44
    # A second confirmation of the same preview finds the codebook changed and writes nothing more.
    again = confirm(client, project, token)
    assert again.status_code == 409
    assert "The codebook changed since the preview" in again.text
    assert "<strong>0</strong> new" in again.text
    assert project.codes.count() == 44 and CodebookEvent.objects.count() == 1


def test_a_tampered_or_foreign_preview_is_refused(client_for, owner, project, coder):
    client = client_for(owner)
    token = payload(upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc"))
    tampered = confirm(client, project, token[:-3] + ("abc" if not token.endswith("abc") else "xyz"))
    assert tampered.status_code == 400
    assert "The preview could not be verified: upload the file again." in tampered.text
    other = ProjectFactory()
    MembershipFactory(project=other, user=owner, role="owner")
    assert confirm(client, other, token).status_code == 400  # signed for another project
    forged = signing.dumps(
        {"project": str(project.pk), "user": owner.pk, "name": "x.qdc", "data": "", "fingerprint": ""},
        salt="another.purpose",
    )
    assert confirm(client, project, forged).status_code == 400
    assert not Code.objects.exists()


def test_an_expired_preview_is_refused(client_for, owner, project, monkeypatch):
    client = client_for(owner)
    token = payload(upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc"))
    monkeypatch.setattr(imports, "PREVIEW_MAX_AGE", -1)
    response = confirm(client, project, token)
    assert response.status_code == 400
    assert "The preview is more than an hour old" in response.text
    assert not project.codes.exists()


def test_coder_can_neither_preview_nor_import(client_for, coder, owner, project):
    token = payload(upload(client_for(owner), project, REFI / "mastodonmoodboard_example_codebook.qdc"))
    client = client_for(coder)
    assert upload(client, project, REFI / "mastodonmoodboard_example_codebook.qdc").status_code == 403
    assert confirm(client, project, token).status_code == 403
    assert not project.codes.exists()


# CSV


def test_csv_export_has_one_row_per_code_and_streams(
    client_for, viewer, seeded, django_assert_max_num_queries
):
    client = client_for(viewer)
    with django_assert_max_num_queries(5):  # session, user, membership, codes, the access log's row
        response = client.get(reverse("codebook:export_csv", args=[seeded.pk]))
        text = b"".join(response.streaming_content).decode("utf-8")
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == seeded.codes.count()
    tension = next(row for row in rows if row["path"] == "Interagency status > Tension")
    assert (tension["level"], tension["framework"], tension["colour"]) == ("selective", "ior", "#abcdef")
    assert any(row["path"] == "数据壁垒 \\> 部门" for row in rows)  # a name's own ">" is escaped
    excel = client.get(reverse("codebook:export_csv", args=[seeded.pk]), {"excel": "1"})
    assert b"".join(excel.streaming_content).startswith("\ufeffpath,".encode())


def test_csv_round_trip_into_a_new_project_keeps_everything(client_for, owner, seeded):
    client = client_for(owner)
    exported = b"".join(client.get(reverse("codebook:export_csv", args=[seeded.pk])).streaming_content)
    target = ProjectFactory(name="Second study")
    MembershipFactory(project=target, user=owner, role="owner")
    preview = upload(client, target, "codebook.csv", exported)
    assert "Crosscase CSV" in preview.text
    confirm(client, target, payload(preview))
    assert tree_of(target) == tree_of(seeded)


def test_csv_with_only_some_columns_changes_only_those(client_for, owner, seeded):
    content = "path,definition\nInteragency status > Tension,A new definition.\nNew category > New code,\n"
    client = client_for(owner)
    preview = upload(client, seeded, "partial.csv", content.encode())
    assert "<strong>2</strong> new, <strong>1</strong> changed" in preview.text
    confirm(client, seeded, payload(preview))
    tension = seeded.codes.get(name="Tension")
    assert (tension.definition, tension.colour, tension.level) == (
        "A new definition.",
        "#abcdef",
        "selective",
    )
    new = seeded.codes.get(name="New code")
    assert (new.parent.name, new.framework, new.level) == ("New category", "imported", "open")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("path,level\nA,open\nB,core\n", "Line 3: unknown level “core”: use one of Open, Axial, Selective."),
        ("path,framework\nA,grounded\n", "Line 2: unknown framework “grounded”"),
        ("path,colour\nA,#12345\n", "Line 2: “#12345” is not a colour"),
        ("path,codable\nA,perhaps\n", "Line 2: “perhaps” is not yes or no (codable)."),
        ("path\nA > B\nC\na > b\n", "Line 4: “a > b” appears twice (also on line 2)."),
        ("path\nA >  > B\n", "Line 2: a code has no name."),
        ('path,definition\nA,"unterminated\n', "the CSV is malformed"),
        ("path,level,core\nA,axial,yes\n", "Line 2: “A” is marked as a core category but is not selective."),
        ("name,memo\nA,B\n", "Line 1: a codebook CSV needs a “path” column"),
        ("path,a,b\nA,1,2,3\n", "Line 2: 4 fields, but the header names 3."),
    ],
)
def test_malformed_csv_is_refused_with_the_line(client_for, owner, project, content, message):
    response = upload(client_for(owner), project, "bad.csv", content.encode())
    assert response.status_code == 400
    assert message in response.text.replace("&gt;", ">")
    assert not project.codes.exists()


# Taguette and QualCoder


def test_taguette_codebook_sample_imports_its_tags_and_descriptions(client_for, owner, project):
    client = client_for(owner)
    preview = upload(client, project, CORPUS / "taguette_serdif_codebook_20220303_8.csv")
    assert "Taguette codebook (CSV)" in preview.text
    assert "<strong>22</strong> new" in preview.text
    confirm(client, project, payload(preview))
    assert project.codes.count() == 22 and not project.codes.exclude(parent=None).exists()
    suggestion = project.codes.get(name="Additional feature suggestion")
    assert suggestion.definition.startswith("Distinguish outliers based on historical data.\nAdd time series")
    assert project.codes.get(name="Wording not clear").definition.endswith("used appropriately.")


def test_qualcoder_plain_codebook_sample_builds_categories_and_codes(client_for, owner, project):
    client = client_for(owner)
    preview = upload(client, project, CORPUS / "qualcoder_plain_codes_categories_for_import.txt")
    assert "QualCoder codebook (plain text)" in preview.text
    confirm(client, project, payload(preview))
    assert tree_of(project).keys() == {
        ("code1",),
        ("cat1",),
        ("cat1", "code2"),
        ("cat1", "code3"),
        ("cat3",),
        ("cat3", "cat2"),
        ("cat3", "cat2", "code4"),
        ("cat3", "code5"),
        ("code6",),
    }
    assert project.codes.get(name="code1").definition == "A memo for code 1"
    assert project.codes.get(name="code4").definition == "another memo"
    assert set(project.codes.filter(is_codable=False).values_list("name", flat=True)) == {
        "cat1",
        "cat2",
        "cat3",
    }


def test_qualcoder_line_without_a_name_is_refused_with_its_line(client_for, owner, project):
    response = upload(client_for(owner), project, "codes.txt", b"cat1>>code2\ncat1>>>>code3\tmemo\n")
    assert response.status_code == 400
    assert "Line 2: a code has no name." in response.text


def test_file_too_large_is_refused(client_for, owner, project):
    response = upload(client_for(owner), project, "huge.csv", b"path\n" + b"A\n" * 600_000)
    assert response.status_code == 400
    assert "larger than 1 MB" in response.text


def test_import_page_opens_for_owners(client_for, owner, project):
    response = client_for(owner).get(reverse("codebook:import_upload", args=[project.pk]))
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.text


def test_description_sections_split_back_into_fields():
    text = "What it is.\n\nSecond paragraph.\n\nInclusion criteria: When.\n\nExample: Like this."
    assert imports.split_description(text) == {
        "definition": "What it is.\n\nSecond paragraph.",
        "inclusion": "When.",
        "exclusion": "",
        "example": "Like this.",
    }
    assert imports.split_description("Example: only an example.")["example"] == "only an example."


def test_import_can_swap_the_names_of_two_siblings(client_for, owner, seeded):
    tension, symbiosis = seeded.codes.get(name="Tension"), seeded.codes.get(name="Symbiosis")
    exported = exports.qdc(project=seeded).decode()
    swapped = (
        exported.replace('name="Tension"', 'name="__placeholder__"')
        .replace('name="Symbiosis"', 'name="Tension"')
        .replace('name="__placeholder__"', 'name="Symbiosis"')
    )
    client = client_for(owner)
    preview = upload(client, seeded, "swapped.qdc", swapped.encode())
    assert "<strong>2</strong> changed" in preview.text
    assert confirm(client, seeded, payload(preview)).status_code == 302
    tension.refresh_from_db()
    symbiosis.refresh_from_db()
    assert (tension.name, symbiosis.name) == ("Symbiosis", "Tension")
