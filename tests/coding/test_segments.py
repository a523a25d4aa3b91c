"""Writing codings: the retry that makes a double click of one coder on one passage safe."""

import pytest
from django.db import IntegrityError

from coding.models import Coding, Segment
from coding.workspace.actions import apply_codes, retry_once
from tests.factories import CodeFactory


def test_retry_once_runs_again_after_a_lost_unique_race(db):
    calls = []

    def operation():
        calls.append(1)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint")
        return "done"

    assert retry_once(operation) == "done"
    assert len(calls) == 2


def test_retry_once_gives_up_after_the_second_failure(db):
    def operation():
        raise IntegrityError("still failing")

    with pytest.raises(IntegrityError):
        retry_once(operation)


def test_second_run_of_a_raced_apply_reuses_the_winners_segment(transcript, coder, project):
    code = CodeFactory(project=project)
    winner = Segment.objects.create(transcript=transcript, start=0, end=12, created_by=coder)
    Coding.objects.create(segment=winner, code=code, coder=coder)
    applied = retry_once(
        lambda: apply_codes(transcript=transcript, start=0, end=12, codes=[code], coder=coder)
    )
    assert applied.segment == winner
    assert applied.created == []
    assert Coding.objects.count() == 1
