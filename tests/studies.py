"""Two small prior studies as synthetic REFI-QDA archives, for importing into a meta-analysis project.

Each is built with the archive builder of tests/coding/test_qdpx_import.py: a few interview sources in plain
ASCII (so REFI positions and code points agree), a small code tree in the study's own words, and codings by
one or two of its coders. `CODED` says which passages each archive codes with which of its codes, so a test
can count what the meta project should show without reading the archive again.
"""

from dataclasses import dataclass

from tests.coding.test_qdpx_import import archive, project_xml


@dataclass(frozen=True)
class PriorStudy:
    filename: str
    origin: str
    users: dict[str, str]  # guid: name
    codes: dict[str, tuple[str, str]]  # guid: (name, parent guid or "")
    cases: dict[str, list[str]]  # archive case: the source titles it holds
    sources: dict[str, list[tuple[str, str, str]]]  # title: [(passage, code guid, user guid)]

    def build(self) -> bytes:
        return build_archive(self)


def _guid(kind: int, number: int) -> str:
    return f"{kind:08d}-0000-4000-8000-{number:012d}"


def _codes(study: PriorStudy) -> str:
    def tree(parent: str) -> str:
        return "".join(
            f'<Code guid="{guid}" name="{name}" isCodable="true">{tree(guid)}</Code>'
            for guid, (name, of) in study.codes.items()
            if of == parent
        )

    return f"<CodeBook><Codes>{tree('')}</Codes></CodeBook>"


def build_archive(study: PriorStudy) -> bytes:
    users = "".join(f'<User guid="{guid}" name="{name}"/>' for guid, name in study.users.items())
    files, sources, source_guids = {}, [], {}
    for number, (title, passages) in enumerate(study.sources.items(), start=1):
        guid = _guid(3, number)
        source_guids[title] = guid
        text = "\n\n".join(dict.fromkeys(passage for passage, _, _ in passages))
        selections = []
        for index, (passage, code, user) in enumerate(passages):
            start = text.index(passage)
            selections.append(
                f'<PlainTextSelection guid="{_guid(4, number * 100 + index)}" startPosition="{start}" '
                f'endPosition="{start + len(passage)}" creatingUser="{user}">'
                f'<Coding guid="{_guid(5, number * 100 + index)}" creatingUser="{user}">'
                f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
            )
        files[f"Sources/{guid}.txt"] = text
        sources.append(
            f'<TextSource guid="{guid}" name="{title}" plainTextPath="internal://{guid}.txt">'
            f"{''.join(selections)}</TextSource>"
        )
    cases = "".join(
        f'<Case guid="{_guid(6, number)}" name="{name}">'
        + "".join(f'<SourceRef targetGUID="{source_guids[title]}"/>' for title in titles)
        + "</Case>"
        for number, (name, titles) in enumerate(study.cases.items(), start=1)
    )
    body = f"<Users>{users}</Users>{_codes(study)}<Sources>{''.join(sources)}</Sources>" + (
        f"<Cases>{cases}</Cases>" if cases else ""
    )
    return archive(project_xml(body, origin=study.origin), files)


GERGO, ANNA, LI = _guid(1, 1), _guid(1, 2), _guid(1, 3)
TRUST, RESOURCES, DRIVERS, MAYOR = (_guid(2, n) for n in (1, 2, 3, 4))
OWNERSHIP, BUDGET, PRESSURE = (_guid(2, n) for n in (11, 12, 13))

# NVivo-coded, two coders; one interview in the archive's own case "Kunming", one in none.
OLTAS = PriorStudy(
    filename="oltas-2017.qdpx",
    origin="NVivo for Windows 12.6",
    users={GERGO: "Gergo", ANNA: "Anna"},
    codes={
        TRUST: ("Trust between agencies", ""),
        RESOURCES: ("Lack of resources", ""),
        DRIVERS: ("Drivers", ""),
        MAYOR: ("Mayor's push", DRIVERS),
    },
    cases={"Kunming": ["Interview 1"]},
    sources={
        "Interview 1": [
            ("The police and the bureau trust each other now.", TRUST, GERGO),
            ("We have no money for the new servers.", RESOURCES, GERGO),
            ("We have no money for the new servers.", RESOURCES, ANNA),
            ("The mayor told every bureau to share by spring.", MAYOR, ANNA),
        ],
        "Interview 2": [
            ("Nobody has staff to clean the records.", RESOURCES, GERGO),
            ("The mayor chairs the data meeting himself.", MAYOR, GERGO),
        ],
    },
)

# A second study with its own words for much the same things; one coder, no cases of its own.
HARBIN = PriorStudy(
    filename="harbin-2019.qdpx",
    origin="NVivo for Windows 12.6",
    users={LI: "Li Wei"},
    codes={
        OWNERSHIP: ("Data ownership disputes", ""),
        BUDGET: ("Budget shortfall", ""),
        PRESSURE: ("Pressure from the top", ""),
    },
    cases={},
    sources={
        "Bureau A": [
            ("The land bureau says the maps are theirs alone.", OWNERSHIP, LI),
            ("The budget for sharing was cut in half.", BUDGET, LI),
        ],
        "Bureau B": [
            ("Each bureau guards its own tables.", OWNERSHIP, LI),
            ("The province wants results before the audit.", PRESSURE, LI),
        ],
    },
)
