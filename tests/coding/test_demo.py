"""The demo project: built once from coding/demo/demo.yaml, every quote stored where the file puts it."""

import re
import unicodedata
from collections import defaultdict
from decimal import Decimal
from io import StringIO

import pytest
import yaml
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from cases.models import (
    Attribute,
    Case,
    CaseAttributeValue,
    Membership,
    Project,
    Role,
    Transcript,
    TranscriptAttributeValue,
)
from codebook.models import Code
from coding.demo.seed import DEMO_FILE, ensure_demo
from coding.models import Coding, Segment, Valence

DETERMINANTS = "Determinants of interagency relationships"
ROWS = (
    get_user_model(),
    Project,
    Membership,
    Attribute,
    Case,
    CaseAttributeValue,
    Transcript,
    TranscriptAttributeValue,
    Code,
    Segment,
    Coding,
)


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


def transcript_specs(spec: dict):
    for case in spec["cases"]:
        for transcript in case["transcripts"]:
            yield case, transcript


def code_path(code: Code, codes: dict[int, Code]) -> tuple[str, ...]:
    names = []
    node = code
    while node is not None:
        names.append(node.name)
        node = codes.get(node.parent_id)
    return (code.framework.upper(), *reversed(names))


def comparable(value):
    """YAML numbers come back from the database as Decimal."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    return value


def test_creates_the_project_cases_transcripts_and_codings(db, spec):
    project = ensure_demo().project

    assert project.name == "Interagency data sharing (demo)"
    assert "illustrative" in project.description
    assert Membership.objects.get(project=project, user__username="demo").role == Role.OWNER
    assert Membership.objects.get(project=project, user__username="coder").role == Role.CODER
    assert list(project.cases.values_list("name", flat=True)) == ["City X", "City Y", "City Z"]

    for case_spec in spec["cases"]:
        case = project.cases.get(name=case_spec["name"])
        stored = {value.attribute.name: value.value for value in case.attribute_values.all()}
        assert stored == {name: comparable(value) for name, value in case_spec["attributes"].items()}
        assert stored["Population (million)"] > 0
        assert case.transcripts.count() == len(case_spec["transcripts"])

    for case_spec, transcript_spec in transcript_specs(spec):
        transcript = Transcript.objects.get(case__project=project, title=transcript_spec["title"])
        assert transcript.case.name == case_spec["name"]
        assert transcript.text == transcript_spec["text"].strip()
        assert transcript.respondent == transcript_spec["respondent"]
        assert transcript.respondent_role == transcript_spec["respondent_role"]
        assert transcript.interview_date == transcript_spec["interview_date"]
        assert transcript.language == "en"
        assert "illustrative" in transcript.note.lower()
        stored = {value.attribute.name: value.value for value in transcript.attribute_values.all()}
        assert stored == transcript_spec["attributes"]

    coding_specs = [coding for _, transcript in transcript_specs(spec) for coding in transcript["codings"]]
    assert project.transcripts.count() == sum(len(case["transcripts"]) for case in spec["cases"])
    assert Segment.objects.filter(transcript__case__project=project).count() == len(coding_specs)
    assert Coding.objects.filter(segment__transcript__case__project=project).count() == sum(
        len(coding["codes"]) for coding in coding_specs
    )
    assert len(coding_specs) >= 25


def test_running_it_again_creates_nothing_and_gives_a_new_working_password(db):
    first = ensure_demo()
    counts = {model.__name__: model.objects.count() for model in ROWS}

    second = ensure_demo()

    assert {model.__name__: model.objects.count() for model in ROWS} == counts
    assert second.project == first.project
    assert [(login.username, login.role) for login in second.logins] == [
        ("demo", "owner"),
        ("coder", "coder"),
    ]
    for old, new in zip(first.logins, second.logins, strict=True):
        assert new.password != old.password
        assert authenticate(username=new.username, password=new.password) is not None
        assert authenticate(username=old.username, password=old.password) is None


def test_the_owner_administers_the_demo_site_and_both_users_have_names_and_addresses(db):
    demo = ensure_demo()
    owner, coder = (get_user_model().objects.get(username=login.username) for login in demo.logins)
    assert owner.is_staff and owner.is_superuser
    assert not coder.is_staff
    assert (owner.profile.display_name, coder.profile.display_name) == ("Demo PI", "Demo Coder")
    assert EmailAddress.objects.get(user=coder).verified


def test_seed_demo_prints_a_working_login_for_the_owner_and_for_the_coder(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = dict(re.findall(r"user: (\w+)\s+password: (\S+)", out.getvalue()))
    assert set(printed) == {"demo", "coder"}
    for username, password in printed.items():
        assert authenticate(username=username, password=password) is not None
    assert "printed below, in this terminal" in out.getvalue()


def test_every_quote_occurs_once_and_is_stored_with_its_codes(db, spec):
    project = ensure_demo().project
    codes = {code.pk: code for code in project.codes.all()}

    for _, transcript_spec in transcript_specs(spec):
        text = transcript_spec["text"].strip()
        transcript = Transcript.objects.get(case__project=project, title=transcript_spec["title"])
        for coding_spec in transcript_spec["codings"]:
            quote = coding_spec["quote"]
            assert quote == quote.strip() and quote, quote
            assert text.count(quote) == 1, quote
            segment = Segment.objects.get(transcript=transcript, start=text.index(quote))
            assert segment.end == segment.start + len(quote)
            assert segment.quote == quote
            assert segment.memo == coding_spec.get("memo", "")
            stored = {
                (code_path(coding.code, codes), coding.valence, coding.coder.username)
                for coding in segment.codings.select_related("code", "coder")
            }
            expected = {
                (tuple(path), coding_spec["valence"], coding_spec["coder"]) for path in coding_spec["codes"]
            }
            assert stored == expected, quote


def test_every_city_has_positive_and_negative_determinants_and_both_frameworks_and_coders(db):
    project = ensure_demo().project
    codings = Coding.objects.filter(segment__transcript__case__project=project)

    valences = defaultdict(set)
    determinants = defaultdict(set)
    for city, code, valence in codings.filter(code__parent__name=DETERMINANTS).values_list(
        "segment__transcript__case__name", "code__name", "valence"
    ):
        valences[city].add(valence)
        determinants[city].add(code)
    for city in ("City X", "City Y", "City Z"):
        assert {Valence.POSITIVE, Valence.NEGATIVE} <= valences[city], city
        assert Valence.NONE not in valences[city], city
        assert len(determinants[city]) >= 3, city

    assert set(codings.values_list("code__framework", flat=True)) == {"ior", "icaf"}
    assert set(codings.values_list("coder__username", flat=True)) == {"demo", "coder"}
    assert not codings.filter(code__is_codable=False).exists()
    assert codings.values("segment").distinct().count() < codings.count()  # some quotes carry two codes
    assert Segment.objects.filter(transcript__case__project=project).exclude(memo="").exists()


def test_transcript_texts_are_clean_speaker_turns(spec):
    outside_bmp_unquoted = False
    for _, transcript_spec in transcript_specs(spec):
        text = transcript_spec["text"].strip()
        assert "\t" not in text
        assert "\r" not in text
        assert "\n\n\n" not in text
        assert all(line == line.rstrip() for line in text.split("\n"))
        assert text == unicodedata.normalize("NFC", text)
        assert 350 <= len(text.split()) <= 700, transcript_spec["title"]
        speakers = ("Interviewer: ", f"{transcript_spec['respondent']}: ")
        for paragraph in text.split("\n\n"):
            assert paragraph.startswith(speakers), paragraph[:40]

        quoted = set()
        for coding in transcript_spec["codings"]:
            start = text.index(coding["quote"])
            quoted.update(range(start, start + len(coding["quote"])))
        if any(ord(char) > 0xFFFF and i not in quoted for i, char in enumerate(text)):
            outside_bmp_unquoted = True
    assert outside_bmp_unquoted, "some transcript should carry a character outside the BMP"
