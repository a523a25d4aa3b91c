"""A qualitative meta-analysis in a real browser at 1280 × 800: two prior studies imported as studies into a
project seeded with IOR, their codes mapped onto the IOR determinants in the crosswalk (ticked and mapped in
bulk, and a suggestion accepted), the matrix counting them under the determinants, and a remap changing it.
Screenshots go to /tmp/shots/meta-*.png.

Each page step is a small function, so the steps read as the analyst's and adapt when a page changes.
"""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from cases.models import Case, Role, Transcript
from codebook.models import Code, CodebookAction, CodebookEvent
from codebook.seeding import seed_framework
from coding.models import Segment
from tests.browser.conftest import member, run_worker
from tests.factories import ProjectFactory
from tests.studies import HARBIN, OLTAS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def import_study(page, project, archive: bytes, *, filename: str, study: str, case_name: str) -> None:
    """Upload → the job that reads it (run by the worker) → its preview → name the study and the case for
    its caseless interviews → confirm → the job that imports it."""
    page.goto(f"/p/{project.pk}/")
    page.get_by_role("link", name="Import a .qdpx project").click()
    page.get_by_label("REFI-QDA project (.qdpx)").set_input_files(
        files=[{"name": filename, "mimeType": "application/zip", "buffer": archive}]
    )
    page.get_by_role("button", name="Read the archive").click()
    expect(page.locator("#job-progress")).to_contain_text("Waiting to start")
    run_worker()
    # The job page's poll takes the browser to the preview once the archive is read.
    expect(page.get_by_role("heading", name=f"Preview: {filename}")).to_be_visible()
    page.get_by_label("New case").fill(case_name)
    page.get_by_label("As a study named").fill(study)
    page.screenshot(path=SHOTS / f"import-preview-{filename}.png", full_page=True)
    page.get_by_role("button", name=re.compile(r"^Import \d+ transcripts?")).click()
    expect(page.get_by_role("heading", name=f"Importing {filename}")).to_be_visible()
    run_worker()
    expect(page.locator("#job-progress")).to_contain_text("Done")
    expect(page.locator(".job-summary")).to_contain_text("Transcripts")
    page.screenshot(path=SHOTS / f"import-done-{filename}.png", full_page=True)


def open_crosswalk(page, project) -> None:
    page.goto(f"/p/{project.pk}/crosswalk/")
    expect(page.get_by_role("heading", name="Crosswalk", exact=True)).to_be_visible()


def map_ticked(
    page, study_codes: list[str], target: Code, valence: str = "each coding's own valence"
) -> None:
    """Tick study codes, choose the project code and valence in the bulk bar, press Map."""
    for name in study_codes:
        tick(page, name).check()
    bar = page.locator("fieldset.bulk")
    bar.get_by_label("Count them as").select_option(label=path_of(target))
    bar.get_by_label("with valence").select_option(label=valence)
    bar.get_by_role("button", name="Map", exact=True).click()
    expect(page.locator(".message").first).to_contain_text(f"to “{target.name}”")


def accept_suggestion(page, study_code: str, target: Code) -> None:
    row = page.locator("tr").filter(has=tick(page, study_code))
    row.get_by_role("button", name=f"Accept “{path_of(target)}”").click()
    expect(page.locator(".message").first).to_contain_text(f"Mapped 1 study code to “{target.name}”.")


def matrix_cells(page, project, codes: list[Code]) -> dict[tuple[str, str], int]:
    """The matrix as the page shows it: {(code, case): count} for the rows of `codes`."""
    page.goto(f"/p/{project.pk}/matrix/")
    columns = [
        label.split("\n")[0].strip()
        for label in page.locator("#matrix thead th").all_inner_texts()[1:-1]  # Code … Total
    ]
    shown = {}
    for code in codes:
        cells = page.locator(f"#matrix tr[data-code='{code.pk}'] td").all_inner_texts()
        for column, text in zip(columns, cells[:-1], strict=True):
            shown[code.name, column] = int(text.strip() or 0)
    return shown


def counted_in_db(codes: list[Code], cases: list[Case]) -> dict[tuple[str, str], int]:
    """What the matrix should show, from the database: coded segments whose study code maps to each code."""
    return {
        (code.name, case.name): Segment.objects.filter(
            transcript__case=case, codings__code__mapping__target=code
        )
        .distinct()
        .count()
        for code in codes
        for case in cases
    }


def tick(page, study_code: str):
    return page.get_by_role("checkbox", name=re.compile(f"› {re.escape(study_code)}$"))


def path_of(code: Code) -> str:
    names = []
    while code is not None:
        names.append(code.name)
        code = code.parent
    return " › ".join(reversed(names))


def test_two_studies_mapped_onto_ior_then_remapped(page, log_in, settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    SHOTS.mkdir(exist_ok=True)
    project = ProjectFactory(name="Interagency data sharing: meta-analysis")
    owner = member(project, "pi", Role.OWNER)
    seed_framework(project=project, framework="ior", user=owner)
    ior = {code.name: code for code in project.codes.all()}
    partnership, finance = ior["Interagency partnership"], ior["Financial readiness"]
    politics, ownership, readiness = (
        ior["Political determination"],
        ior["Data ownership"],
        ior["Organisational readiness"],
    )
    determinants = [partnership, politics, ownership, readiness, finance]
    log_in("pi")
    page.set_viewport_size({"width": 1280, "height": 800})

    import_study(
        page, project, OLTAS.build(), filename=OLTAS.filename, study="Oltas 2017", case_name="City Y"
    )
    import_study(
        page, project, HARBIN.build(), filename=HARBIN.filename, study="Harbin 2019", case_name="Harbin"
    )
    # The archive's own case is a project case; its caseless interviews went to the case chosen for them.
    cases = {case.name: case for case in Case.objects.filter(project=project)}
    assert set(cases) == {"Kunming", "City Y", "Harbin"}
    by_case = dict(Transcript.objects.filter(case__project=project).values_list("title", "case__name"))
    assert by_case == {
        "Interview 1": "Kunming",
        "Interview 2": "City Y",
        "Bureau A": "Harbin",
        "Bureau B": "Harbin",
    }
    assert set(project.studies.values_list("name", flat=True)) == {"Oltas 2017", "Harbin 2019"}

    open_crosswalk(page, project)
    page.screenshot(path=str(SHOTS / "meta-crosswalk-unmapped.png"), full_page=True)
    expect(page.locator(".filters")).to_contain_text("7 study codes unmapped")
    map_ticked(page, ["Trust between agencies"], partnership, valence="+ pulls together")
    map_ticked(page, ["Lack of resources", "Budget shortfall"], finance, valence="− pushes apart")
    map_ticked(page, ["Mayor's push", "Pressure from the top"], politics)
    accept_suggestion(page, "Data ownership disputes", ownership)
    expect(page.locator(".filters")).to_contain_text("1 study code unmapped")  # "Drivers", a grouping
    page.screenshot(path=str(SHOTS / "meta-crosswalk.png"), full_page=True)
    page.mouse.wheel(0, 2000)  # down the long tables: the bulk bar stays at the top of the window
    page.wait_for_function("window.scrollY > 200")
    assert page.locator("fieldset.bulk").bounding_box()["y"] <= 1
    page.screenshot(path=str(SHOTS / "meta-crosswalk-scrolled.png"))

    columns = list(cases.values())
    before = matrix_cells(page, project, determinants)
    assert before == counted_in_db(determinants, columns)
    assert (
        before[finance.name, "Kunming"] == 2 and before[finance.name, "Harbin"] == 1
    )  # two coders, one each
    assert before[ownership.name, "Harbin"] == 2 and before[readiness.name, "Harbin"] == 0
    page.screenshot(path=str(SHOTS / "meta-matrix-before.png"), full_page=True)

    page.locator(f"#matrix tr[data-code='{ownership.pk}'] td a").first.click()
    drilldown = page.locator("#drilldown")
    expect(drilldown.locator(".provenance").first).to_have_text("from Harbin 2019: Data ownership disputes")
    page.screenshot(path=str(SHOTS / "meta-drilldown.png"), full_page=True)

    open_crosswalk(page, project)
    map_ticked(page, ["Budget shortfall"], readiness)
    after = matrix_cells(page, project, determinants)
    assert after == counted_in_db(determinants, columns)
    assert after[finance.name, "Harbin"] == 0 and after[readiness.name, "Harbin"] == 1
    assert after[finance.name, "Kunming"] == before[finance.name, "Kunming"]
    page.screenshot(path=str(SHOTS / "meta-matrix-after.png"), full_page=True)

    page.goto(f"/p/{project.pk}/codebook/history/")
    history = page.locator("main")
    expect(history).to_contain_text(
        "Mapped “Budget shortfall” (Harbin 2019) to “Organisational readiness” (was “Financial readiness”)"
    )
    expect(history).to_contain_text("Mapped “Data ownership disputes” (Harbin 2019) to “Data ownership”")
    assert CodebookEvent.objects.filter(project=project, action=CodebookAction.MAP).count() == 7
