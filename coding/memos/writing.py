"""Writing memos: who may change one, and the one-transaction writes of creating, editing and deleting.

Coders and owners write memos; a memo is changed or deleted by its author or by an owner of the project (an
owner tidies up after a member who left; a coder does not rewrite a colleague's thinking). Viewers read.
"""

from collections.abc import Iterable

from django.db import transaction

from cases.models import Membership
from codebook.models import Code
from coding.models import Memo, Segment


def may_write(membership: Membership) -> bool:
    return membership.can_code


def may_change(*, memo: Memo, membership: Membership) -> bool:
    """Whether the member may edit or delete `memo`: its author (with the coder role still) or an owner."""
    if membership.is_owner:
        return True
    return membership.can_code and memo.author_id is not None and memo.author_id == membership.user_id


@transaction.atomic
def create_memo(
    *,
    project,
    author,
    target,
    title: str,
    text: str,
    quotations: Iterable[Segment] = (),
    codes: Iterable[Code] = (),
) -> Memo:
    """A new memo about `target` (the project, or one of its cases, transcripts, codes, relations or
    quotations), linked to `quotations` and `codes` of the same project."""
    memo = Memo(project=project, author=author)
    return _write(memo, target=target, title=title, text=text, quotations=quotations, codes=codes)


@transaction.atomic
def edit_memo(
    *, memo: Memo, target, title: str, text: str, quotations: Iterable[Segment], codes: Iterable[Code]
) -> Memo:
    """Rewrites the memo's title and text, points it at `target` and replaces its links."""
    return _write(memo, target=target, title=title, text=text, quotations=quotations, codes=codes)


def _write(memo: Memo, *, target, title: str, text: str, quotations, codes) -> Memo:
    memo.title, memo.text = title, text
    memo.set_target(target)
    memo.save()
    memo.quotations.set(quotations)
    memo.codes.set(codes)
    return memo


@transaction.atomic
def delete_memo(*, memo: Memo) -> None:
    """Deletes the memo and its links; what it was about stays."""
    memo.delete()
