"""Searching a project's transcripts: literal substrings everywhere, word forms too on PostgreSQL.

Substring search is what works for Chinese (no spaces between words) and for exact phrases, on both databases.
On PostgreSQL an English full-text match is added, so "share" also finds "sharing" and "shared"; its passages
are marked by `ts_headline`. Snippets and paragraph numbers are computed only for the page of results shown.
"""

import re
from dataclasses import dataclass

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from cases.models import Project, Transcript
from cases.turns import Locator

MAX_QUERY = 200
SNIPPETS_PER_TRANSCRIPT = 5
CONTEXT = 80  # characters shown either side of a hit
PER_PAGE = 20
_START, _STOP = "\x02", "\x03"  # markers ts_headline puts around hits; never present in normalised text
FTS_CONFIG = "english"


@dataclass(frozen=True)
class Snippet:
    paragraph: int
    html: SafeString


@dataclass(frozen=True)
class Hit:
    transcript: Transcript
    count: int  # literal occurrences; 0 when only word forms matched
    snippets: list[Snippet]


def uses_full_text() -> bool:
    return connection.vendor == "postgresql"


def matching(*, project: Project, query: str) -> QuerySet[Transcript]:
    """The project's transcripts that hold `query`, as text or (PostgreSQL) as English word forms."""
    literal = Q(text__icontains=query)
    transcripts = project.transcripts.select_related("case").order_by("case__name", "title", "pk")
    if not uses_full_text():
        return transcripts.filter(literal)
    words = SearchQuery(query, config=FTS_CONFIG, search_type="websearch")
    # The expression matches the GIN index of migration cases 0002 exactly, so the index is used.
    return (
        transcripts.annotate(document=SearchVector("text", config=FTS_CONFIG))
        .filter(literal | Q(document=words))
        .annotate(headline=_headline(words))
    )


def _headline(words: SearchQuery) -> SearchHeadline:
    return SearchHeadline(
        "text",
        words,
        config=FTS_CONFIG,
        start_sel=_START,
        stop_sel=_STOP,
        max_fragments=SNIPPETS_PER_TRANSCRIPT,
        fragment_delimiter="\x1f",
    )


def search(*, project: Project, query: str, page_number: int | str = 1) -> tuple[Page, list[Hit]]:
    """One page of transcripts matching `query`, each with its snippets."""
    paginator = Paginator(matching(project=project, query=query), PER_PAGE)
    page = paginator.get_page(page_number)
    return page, [_hit(transcript, query) for transcript in page.object_list]


def _hit(transcript: Transcript, query: str) -> Hit:
    text = transcript.text
    locator = Locator(text)  # snippets give paragraphs only
    found = list(re.finditer(re.escape(query), text, re.IGNORECASE))
    snippets = [_snippet(text, locator, m.start(), m.end()) for m in found[:SNIPPETS_PER_TRANSCRIPT]]
    if not snippets and getattr(transcript, "headline", None):
        snippets = _headline_snippets(text, locator, transcript.headline)
    return Hit(transcript=transcript, count=len(found), snippets=snippets)


def _snippet(text: str, locator: Locator, start: int, end: int) -> Snippet:
    left, right = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
    html = (
        ("…" if left else "")
        + escape(text[left:start])
        + f"<mark>{escape(text[start:end])}</mark>"
        + escape(text[end:right])
        + ("…" if right < len(text) else "")
    )
    return Snippet(paragraph=locator.paragraph(start), html=mark_safe(html.replace("\n", " ")))  # escaped


def _headline_snippets(text: str, locator: Locator, headline: str) -> list[Snippet]:
    snippets = []
    for fragment in headline.split("\x1f"):
        plain = fragment.replace(_START, "").replace(_STOP, "")
        at = text.find(plain.strip()) if plain.strip() else -1
        html = escape(fragment).replace(_START, "<mark>").replace(_STOP, "</mark>")
        snippets.append(
            Snippet(
                paragraph=locator.paragraph(max(at, 0)), html=mark_safe("…" + html.replace("\n", " ") + "…")
            )
        )
    return snippets
