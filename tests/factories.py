from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Profile
from cases.invitations import hash_token
from cases.models import Case, Invitation, Membership, Project, Role, Transcript
from cases.speakers import store_recognised
from codebook.models import Code
from coding.models import Coding, Segment


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery")


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = "Dr. Ana Ruiz"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    name = factory.Sequence(lambda n: f"Project {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CODER


class InvitationFactory(factory.django.DjangoModelFactory):
    """An invitation whose link token is `token` (the database keeps only its hash)."""

    class Meta:
        model = Invitation

    class Params:
        token = factory.Sequence(lambda n: f"test-token-{n}")

    project = factory.SubFactory(ProjectFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.CODER
    invited_by = factory.SubFactory(UserFactory)
    token_hash = factory.LazyAttribute(lambda o: hash_token(o.token))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"City {n}")


class TranscriptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Transcript
        skip_postgeneration_save = True

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda n: f"Interview {n}")
    respondent = factory.Sequence(lambda n: f"R{n:02d}")
    respondent_role = "public servant"
    language = "en"
    text = (
        "Interviewer: How do agencies share data here?\n\n"
        "R01: Every bureau guards its own data. The big-data bureau asks, but the departments say the data "
        "belongs to them.\n\n"
        "Interviewer: What helps?\n\n"
        "R01: When the mayor pushes, things move quickly."
    )

    @factory.post_generation
    def speakers(transcript, create, extracted, **kwargs):
        """Labels recognised in the text, as an import stores them."""
        if create:
            store_recognised(transcripts=[transcript])


class CodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Code

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Code {n}")
    level = "open"
    framework = "emergent"
    definition = "A code used in tests."
    colour = "#9ecae1"


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment

    transcript = factory.SubFactory(TranscriptFactory)
    start = 0
    end = 12
    created_by = factory.SubFactory(UserFactory)


class CodingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coding

    segment = factory.SubFactory(SegmentFactory)
    code = factory.SubFactory(CodeFactory, project=factory.SelfAttribute("..segment.transcript.case.project"))
    coder = factory.SubFactory(UserFactory)
    valence = "none"


def code_passage(transcript, passage: str, code, coder, valence: str = "none", *, segment_by=None) -> Coding:
    """Codes the one occurrence of `passage` in the transcript; the segment is `segment_by`'s (default: the
    coder's), so a second coder can add a coding to an existing quotation."""
    assert transcript.text.count(passage) == 1, passage
    start = transcript.text.index(passage)
    segment, _ = Segment.objects.get_or_create(
        transcript=transcript, start=start, end=start + len(passage), created_by=segment_by or coder
    )
    return Coding.objects.create(segment=segment, code=code, coder=coder, valence=valence)
