import pytest

from cases.models import Role
from tests.factories import CaseFactory, MembershipFactory, ProjectFactory, TranscriptFactory, UserFactory


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Each test its own spool folder: tests run in parallel processes, and the cleanup counts what is there.
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "spool"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    # Password hashing is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def project(db):
    return ProjectFactory(name="Interagency data sharing")


@pytest.fixture
def owner(project):
    return MembershipFactory(project=project, user=UserFactory(username="pi"), role=Role.OWNER).user


@pytest.fixture
def coder(project):
    return MembershipFactory(project=project, user=UserFactory(username="ra"), role=Role.CODER).user


@pytest.fixture
def viewer(project):
    return MembershipFactory(project=project, user=UserFactory(username="reader"), role=Role.VIEWER).user


@pytest.fixture
def outsider(db):
    return UserFactory(username="stranger")


@pytest.fixture
def case(project):
    return CaseFactory(project=project, name="City X")


@pytest.fixture
def transcript(case):
    return TranscriptFactory(case=case)


@pytest.fixture
def client_for(client):
    """A test client logged in as the given user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def analysis(project, owner, coder):
    """A small coded project whose every matrix cell is known (tests/coding/test_matrix.py spells them out).

    Codes: Determinants (IOR, axial, a category) › Data ownership, Political determination (open);
    Territory (emergent, axial) › Marking (open) › Marking data (open).
    Cases X (city size large), Y (small), Z (small, one interview, nothing coded). Interviews: X1 (R01,
    leader, recorded), X2 (R02, IT specialist, not recorded), Y1 (R01, leader, recorded), Y2 (R03, public
    servant, Chinese, no "recorded" value), Y3 (R03 again, now as leader, recorded), Z1 (R09, no role).
    Passages (pi codes unless said; ra is the second coder):
      s1 X1 ownership − and political + (two children of Determinants on one passage)
      s2 X1 ownership − by pi and by ra (two coders on one passage)
      s3 X2 political + by ra
      s4 Y1 ownership −          s5 Y1 marking data (no valence)
      s6 Y2 ownership + by ra, coded on 2024-03-01 (everything else 2024-01-10)
      s7 Y3 political − and marking (no valence)
    """
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from cases.models import Attribute, CaseAttributeValue, TranscriptAttributeValue
    from coding.models import Coding
    from tests.factories import CodeFactory, code_passage

    determinants = CodeFactory(
        project=project, name="Determinants", level="axial", framework="ior", is_codable=False, position=0
    )
    ownership = CodeFactory(project=project, parent=determinants, name="Data ownership", framework="ior")
    political = CodeFactory(
        project=project, parent=determinants, name="Political determination", framework="ior", position=1
    )
    territory = CodeFactory(project=project, name="Territory", level="axial", position=1)
    marking = CodeFactory(project=project, parent=territory, name="Marking")
    marking_data = CodeFactory(project=project, parent=marking, name="Marking data")

    size = Attribute.objects.create(project=project, applies_to="case", name="City size", kind="text")
    recorded = Attribute.objects.create(
        project=project, applies_to="transcript", name="Recorded", kind="boolean"
    )
    cases = {}
    for name, city_size in (("City X", "large"), ("City Y", "small"), ("City Z", "small")):
        cases[name] = CaseFactory(project=project, name=name)
        CaseAttributeValue.objects.create(case=cases[name], attribute=size, value_text=city_size)

    def interview(case, title, respondent, role, text, is_recorded):
        transcript = TranscriptFactory(
            case=cases[case], title=title, respondent=respondent, respondent_role=role, text=text
        )
        if is_recorded is not None:
            TranscriptAttributeValue.objects.create(
                transcript=transcript, attribute=recorded, value_boolean=is_recorded
            )
        return transcript

    x1 = interview(
        "City X",
        "X1",
        "R01",
        "leader",
        "Interviewer: Who owns the records?\n\n"
        "R01: The bureau says the records are ours alone. Nobody else may copy them.\n\n"
        "Interviewer: And the mayor?\n\n"
        "R01: The mayor wants them shared by spring.",
        True,
    )
    x2 = interview(
        "City X",
        "X2",
        "R02",
        "IT specialist",
        "Interviewer: What helps?\n\nR02: The State Council documents make sharing compulsory.",
        False,
    )
    y1 = interview(
        "City Y",
        "Y1",
        "R01",
        "leader",
        "Interviewer: Tell me about requests.\n\n"
        "R01: Each department guards its tables. We stamp every table with our name.",
        True,
    )
    y2 = interview(
        "City Y",
        "Y2",
        "R03",
        "public servant",
        "問：數據屬於誰？\n\n答：這些數據是我們部門的𠮷，可以共享。",
        None,
    )
    y3 = interview(
        "City Y",
        "Y3",
        "R03",
        "leader",
        "Interviewer: Has anything changed?\n\n"
        "R03: The province slowed everything down. We mark our files before anyone sees them.",
        True,
    )
    z1 = interview("City Z", "Z1", "R09", "", "Interviewer: Hello.\n\nR09: Nothing to add.", None)

    s1 = code_passage(x1, "The bureau says the records are ours alone.", ownership, owner, "negative").segment
    code_passage(x1, "The bureau says the records are ours alone.", political, owner, "positive")
    s2 = code_passage(x1, "Nobody else may copy them.", ownership, owner, "negative").segment
    code_passage(x1, "Nobody else may copy them.", ownership, coder, "negative", segment_by=owner)
    s3 = code_passage(
        x2, "The State Council documents make sharing compulsory.", political, coder, "positive"
    )
    s4 = code_passage(y1, "Each department guards its tables.", ownership, owner, "negative")
    s5 = code_passage(y1, "We stamp every table with our name.", marking_data, owner)
    s6 = code_passage(y2, "這些數據是我們部門的𠮷", ownership, coder, "positive")
    s7 = code_passage(y3, "The province slowed everything down.", political, owner, "negative").segment
    code_passage(y3, "The province slowed everything down.", marking, owner)
    Coding.objects.update(created_at=datetime(2024, 1, 10, 12, tzinfo=UTC))
    Coding.objects.filter(segment=s6.segment).update(created_at=datetime(2024, 3, 1, 12, tzinfo=UTC))
    return SimpleNamespace(
        project=project,
        owner=owner,
        coder=coder,
        codes=SimpleNamespace(
            determinants=determinants,
            ownership=ownership,
            political=political,
            territory=territory,
            marking=marking,
            marking_data=marking_data,
        ),
        cases=SimpleNamespace(x=cases["City X"], y=cases["City Y"], z=cases["City Z"]),
        attributes=SimpleNamespace(size=size, recorded=recorded),
        transcripts=SimpleNamespace(x1=x1, x2=x2, y1=y1, y2=y2, y3=y3, z1=z1),
        segments=SimpleNamespace(
            s1=s1, s2=s2, s3=s3.segment, s4=s4.segment, s5=s5.segment, s6=s6.segment, s7=s7
        ),
    )
