"""The demo project: illustrative interviews from three cities with some codings, created idempotently."""

import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.models import Profile
from cases.models import (
    Attribute,
    AttributeTarget,
    Case,
    CaseAttributeValue,
    Membership,
    Project,
    Role,
    Transcript,
    TranscriptAttributeValue,
)
from cases.speakers import store_recognised
from codebook.models import Code
from codebook.seeding import seed_framework
from coding.models import Coding, Segment

DEMO_FILE = Path(__file__).resolve().parent / "demo.yaml"
DEMO_PROJECT_ID = uuid.UUID("6d3f0a52-6b1e-4c55-9a43-0d2c3e5f7a10")


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str


# The owner also administers this local demo site (the admin at /admin/); the coder codes.
DEMO_OWNER = DemoUser("demo", "Demo PI", Role.OWNER)
DEMO_USERS = (DEMO_OWNER, DemoUser("coder", "Demo Coder", Role.CODER))


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


@dataclass(frozen=True)
class Demo:
    project: Project
    logins: tuple[DemoLogin, ...]

    @property
    def owner(self) -> DemoLogin:
        return self.logins[0]

    @property
    def coder(self) -> DemoLogin:
        return self.logins[1]


def _user(spec: DemoUser):
    """The demo user with a display name and a verified address (so that reset mails reach it)."""
    email = f"{spec.username}@example.org"
    user, _ = get_user_model().objects.get_or_create(username=spec.username, defaults={"email": email})
    user.is_staff = user.is_superuser = spec is DEMO_OWNER
    Profile.objects.get_or_create(user=user, defaults={"display_name": spec.display_name})
    EmailAddress.objects.get_or_create(
        user=user, email=user.email or email, defaults={"primary": True, "verified": True}
    )
    return user


def _code_by_path(project: Project) -> dict[tuple[str, ...], Code]:
    codes = {code.pk: code for code in project.codes.all()}
    paths = {}
    for code in codes.values():
        names = []
        node = code
        while node is not None:
            names.append(node.name)
            node = codes.get(node.parent_id)
        paths[(code.framework.upper(), *reversed(names))] = code
    return paths


def _attributes(project: Project, specs: list[dict], target: str) -> dict[str, Attribute]:
    result = {}
    for position, spec in enumerate(specs):
        attribute, _ = Attribute.objects.get_or_create(
            project=project,
            applies_to=target,
            name=spec["name"],
            defaults={"kind": spec["kind"], "position": position},
        )
        result[attribute.name] = attribute
    return result


def _set_values(value_model, owner_field: str, owner, attributes: dict[str, Attribute], values: dict) -> None:
    for name, value in (values or {}).items():
        row = value_model(**{owner_field: owner, "attribute": attributes[name]})
        row.set_value(value)
        row.save()


@transaction.atomic
def ensure_demo(*, path: Path = DEMO_FILE) -> DemoLogin:
    """Creates the demo project once; later calls only give its two users new passwords."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    users, logins = {}, []
    for spec in DEMO_USERS:
        user = users[spec.username] = _user(spec)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save()
        logins.append(DemoLogin(username=spec.username, password=password, role=spec.role))

    # Found by a fixed id, not by name: renaming the demo project must not make the next run create another.
    project, created = Project.objects.get_or_create(
        pk=DEMO_PROJECT_ID,
        defaults={
            "name": data["project"]["name"],
            "description": data["project"]["description"].strip(),
            "created_by": users["demo"],
        },
    )
    for spec in DEMO_USERS:
        Membership.objects.get_or_create(
            project=project, user=users[spec.username], defaults={"role": spec.role}
        )
    if created:
        _fill(project, data, users)
    return Demo(project=project, logins=tuple(logins))


def _fill(project: Project, data: dict, users: dict) -> None:
    for framework in ("icaf", "ior"):
        seed_framework(project=project, framework=framework)
    codes = _code_by_path(project)
    case_attributes = _attributes(project, data.get("case_attributes", []), AttributeTarget.CASE)
    transcript_attributes = _attributes(
        project, data.get("transcript_attributes", []), AttributeTarget.TRANSCRIPT
    )
    for case_spec in data["cases"]:
        case = Case.objects.create(
            project=project, name=case_spec["name"], description=case_spec.get("description", "").strip()
        )
        _set_values(CaseAttributeValue, "case", case, case_attributes, case_spec.get("attributes"))
        for spec in case_spec["transcripts"]:
            transcript = Transcript.objects.create(
                case=case,
                title=spec["title"],
                respondent=spec.get("respondent", ""),
                respondent_role=spec.get("respondent_role", ""),
                interview_date=spec.get("interview_date"),
                language=spec.get("language", ""),
                note=spec.get("note", "").strip(),
                text=unicodedata.normalize("NFC", spec["text"].strip()),
                created_by=users["demo"],
            )
            _set_values(
                TranscriptAttributeValue,
                "transcript",
                transcript,
                transcript_attributes,
                spec.get("attributes"),
            )
            store_recognised(transcripts=[transcript])
            for coding in spec.get("codings", []):
                _code_quote(transcript, coding, codes, users)


def _code_quote(transcript: Transcript, spec: dict, codes: dict, users: dict) -> None:
    quote = unicodedata.normalize("NFC", spec["quote"])
    if transcript.text.count(quote) != 1:
        raise ValueError(f"Demo quote must occur exactly once in “{transcript.title}”: {quote!r}")
    start = transcript.text.index(quote)
    segment, _ = Segment.objects.get_or_create(
        transcript=transcript,
        start=start,
        end=start + len(quote),
        created_by=users[spec["coder"]],
        defaults={"memo": spec.get("memo", "")},
    )
    for path in spec["codes"]:
        Coding.objects.get_or_create(
            segment=segment,
            code=codes[tuple(path)],
            coder=users[spec["coder"]],
            defaults={"valence": spec.get("valence", "none")},
        )
