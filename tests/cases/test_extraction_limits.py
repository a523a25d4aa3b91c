"""Hostile uploads are refused within a fixed budget of time and memory, each naming the limit it hit.

Every extraction runs in a child process limited to EXTRACT_SECONDS and EXTRACT_MEMORY_MB (20 s and 512 MB
unless a test lowers them), so a test that gets the refusal it expects shows that the file was refused within
that budget: past it, the refusal would be about time or memory. The files are built in `tests.cases.hostile`
in well under a second each; the real default limits refuse the realistic ones (the 190 MB Word body, the
lying zip, the flate bomb), lowered limits keep the others quick.
"""

import io
import zipfile

import pytest
from odf.opendocument import OpenDocumentText
from odf.text import P, S

from cases.importing import sandbox
from cases.importing.extract import extract
from cases.importing.readers.markdown import MAX_MARKS
from cases.importing.readers.pdf import MAX_PAGE_CHARS
from cases.refusals import Refused
from tests.cases import hostile
from tests.cases.test_importers import odt_document, refusal, rezipped, text_pdf, word_document

MEGABYTE = 1024 * 1024
TOO_LONG_DEFAULT = (
    "holds more than the 2,000,000 characters of text Crosscase imports from one file, "
    "so split it into parts."
)
NO_SPACE = (
    "does not look like text in any encoding Crosscase knows: "
    "its first 65,536 characters hold no space or line break."
)


def bomb(name: str, size: str) -> str:
    return f"“{name}” expands to {size} when unpacked; it looks like a damaged or malicious file."


# Word and OpenDocument: counted as unpacked, read as a stream


def test_190_mb_word_body_is_refused_by_the_default_limits():
    data = hostile.paragraph_xml_docx(190)
    assert len(data) < 4 * MEGABYTE
    assert refusal(filename="interview.docx", data=data) == bomb("interview.docx", "191 MB")


def test_190_mb_word_body_within_the_old_limits_stops_at_the_character_limit(settings):
    settings.MAX_EXTRACTED_MB = 200  # the old limit on what a .docx unpacks to: the body is read
    message = refusal(filename="interview.docx", data=hostile.paragraph_xml_docx(190))
    assert message == f"“interview.docx” {TOO_LONG_DEFAULT}"


def test_190_mb_word_body_whose_directory_lies_is_refused_as_it_unpacks():
    data = hostile.paragraph_xml_docx(190, text=False, declared=40_000)
    assert refusal(filename="interview.docx", data=data) == bomb("interview.docx", "more than 100 MB")


def test_lying_zip_is_refused_by_the_default_limits_at_what_it_really_unpacks_to():
    data = hostile.lying_docx()  # 2 GB of XML, declared as 40 KB
    assert len(data) < 4 * MEGABYTE
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist()) < MEGABYTE
    assert refusal(filename="interview.docx", data=data) == bomb("interview.docx", "more than 100 MB")


def test_unpacked_limit_is_a_setting(settings):
    settings.MAX_EXTRACTED_MB = 2
    data = hostile.lying_docx(megabytes=8)
    assert refusal(filename="interview.docx", data=data) == bomb("interview.docx", "more than 2 MB")


def test_lying_zip_renamed_to_text_is_sniffed_without_unpacking_it():
    message = refusal(filename="interview.txt", data=hostile.lying_docx())
    assert message == "“interview.txt” does not look like a text file; it looks like a Word document (.docx)."


def test_a_member_compressed_another_way_than_word_writes_is_refused_as_damaged():
    data = word_document(lambda document: document.add_paragraph("Hi"))
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    data = hostile.word_package(hostile.bzipped("word/document.xml", body))
    message = refusal(filename="odd.docx", data=data)
    assert message == "“odd.docx” could not be read as a Word document (.docx); it may be damaged."


def test_a_doctype_across_two_pieces_read_is_still_found():
    data = word_document(lambda document: document.add_paragraph("Hi"))
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    # The comment fills the first 64 KB piece but for the first four bytes of "<!DOCTYPE".
    doctype = b'<!DOCTYPE x [<!ENTITY a "a">]>'
    padded = b"<!--" + b" " * (64 * 1024 - 11) + b"-->" + doctype + body.split(b"?>", 1)[1]
    message = refusal(filename="lol.docx", data=rezipped(data, {"word/document.xml": padded}))
    assert message.startswith("“lol.docx” declares a document type (DTD)")


def test_docx_stops_reading_at_the_character_limit(settings):
    settings.MAX_TRANSCRIPT_CHARS = 1_000

    def build(document):
        for _ in range(200):
            document.add_paragraph("Respondent: we shared the data with the bureau every month.")

    message = refusal(filename="long.docx", data=word_document(build))
    assert message == (
        "“long.docx” holds more than the 1,000 characters of text Crosscase imports from one file, "
        "so split it into parts."
    )


def test_one_giant_word_paragraph_stops_at_the_character_limit_too(settings):
    settings.MAX_TRANSCRIPT_CHARS = 1_000
    runs = b"<w:r><w:t>Respondent: we shared the data.</w:t></w:r>" * 20_000
    data = hostile.word_package(hostile.word_body(b"<w:p>" + runs + b"</w:p>", 1))
    assert "holds more than the 1,000 characters" in refusal(filename="one.docx", data=data)


def test_odt_stops_reading_at_the_character_limit(settings):
    settings.MAX_TRANSCRIPT_CHARS = 1_000
    document = OpenDocumentText()
    for _ in range(200):
        document.text.addElement(P(text="MODERATOR: please open the first task and read it aloud."))
    buffer = io.BytesIO()
    document.write(buffer)
    assert "holds more than the 1,000 characters" in refusal(filename="long.odt", data=buffer.getvalue())


def test_odt_space_counts_cost_nothing():
    document = OpenDocumentText()
    paragraph = P(text="Two")
    paragraph.addElement(S(c=1_000_000_000))
    paragraph.addText("words")
    document.text.addElement(paragraph)
    buffer = io.BytesIO()
    document.write(buffer)
    assert extract(filename="spaces.odt", data=buffer.getvalue()).text == "Two words"


def test_pretty_printed_odt_is_read():
    data = odt_document()
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    indented = content.replace(b"<office:body>", b"<office:body>\n  ")
    indented = indented.replace(b"<office:text>", b"<office:text>\n")
    result = extract(filename="session.odt", data=rezipped(data, {"content.xml": indented}))
    assert result.text == extract(filename="session.odt", data=data).text


# Markdown


def test_megabyte_of_opening_brackets_is_refused_quickly():
    message = refusal(filename="notes.md", data=hostile.bracket_flood())
    assert message == f"“notes.md” {NO_SPACE}"


@pytest.mark.parametrize("pattern", [b"[", b"[a ", b"![", b"*a ", b"_a ", b"~~a "])
def test_markdown_flood_of_link_and_emphasis_marks_is_refused_before_parsing(pattern):
    line = pattern * (80 // len(pattern)) + b"\n"
    data = line * (1_000_000 // len(line))
    message = refusal(filename="notes.md", data=data)
    assert message.startswith("“notes.md” holds ")
    assert message.endswith(
        f"Markdown link and emphasis marks ([, *, _ and ~), more than the {MAX_MARKS:,} Crosscase reads in "
        "one file; save it as plain text (.txt) to import it."
    )


def test_the_same_brackets_import_as_plain_text():
    data = hostile.bracket_flood(200_000, line=80)
    assert len(extract(filename="notes.txt", data=data).text) > 190_000


def test_markdown_with_marks_below_the_limit_is_read():
    data = ("**Interviewer:** [see](http://example.org) _this_\n\n" * 5_000).encode()
    assert extract(filename="notes.md", data=data).text.startswith("Interviewer: see this")


# Text that decodes but is not text


def test_20_mb_of_high_bytes_is_refused():
    message = refusal(filename="notes.txt", data=hostile.high_bytes())
    assert message == (
        "“notes.txt” does not look like a text file; if it is one, choose its encoding and try again."
    )


@pytest.mark.parametrize(
    "data",
    [hostile.high_bytes(low=0xA0), hostile.high_bytes(low=0xC0), b"\xe9" * (20 * MEGABYTE)],
    ids=["a0-ff", "c0-ff", "e-acute"],
)
def test_20_mb_of_high_bytes_that_decode_as_letters_are_refused(data):
    assert refusal(filename="notes.txt", data=data) == f"“notes.txt” {NO_SPACE}"


def test_high_bytes_in_a_chosen_encoding_are_refused_too():
    data = hostile.high_bytes(MEGABYTE, low=0xA0)
    assert refusal(filename="notes.txt", data=data, encoding="latin-1") == f"“notes.txt” {NO_SPACE}"


@pytest.mark.parametrize(
    "text",
    ["\ue000\ue001\ue002 \ue003\n" * 5_000, "\ufffd\ufffd word \ufffd\ufffd\ufffd\n" * 5_000],
    ids=["private-use", "replacement"],
)
def test_text_mostly_of_private_use_or_replacement_characters_is_refused(text):
    assert refusal(filename="notes.txt", data=text.encode()) == (
        "“notes.txt” does not look like text in any encoding Crosscase knows: most of its characters are "
        "control, private-use, unassigned or replacement characters."
    )


def test_text_with_a_few_private_use_characters_is_kept():
    text = "受访者：我们部门的名字是\ue000局。\n" * 100
    assert "\ue000" in extract(filename="notes.txt", data=text.encode("utf-8")).text


def test_long_text_without_line_breaks_but_with_spaces_is_kept():
    text = "Interviewer: yes " * 10_000
    assert extract(filename="notes.txt", data=text.encode()).text == text.strip()


def test_decoded_text_over_the_limit_is_refused_before_any_parser(settings):
    settings.MAX_TRANSCRIPT_CHARS = 1_000
    message = refusal(filename="notes.md", data=b"[a] " * 10_000)
    assert message == (
        "“notes.md” holds 40,000 characters of text; the limit is 1,000, so split it into parts."
    )


# RTF


def test_rtf_picture_is_cut_before_scanning_so_a_large_one_is_read_quickly(settings):
    settings.EXTRACT_SECONDS = 5  # its 24 MB of hex digits took striprtf more than this, a token each
    picture = b"{\\pict{\\*\\blipuid 0a0b}\\pngblip " + b"89504e470d0a1a0a" * 1_500_000 + b"}"
    data = b"{\\rtf1\\ansi Interviewer: hello.\\par " + picture + b"\\par R01: yes.}"
    assert extract(filename="photo.rtf", data=data).text == "Interviewer: hello.\n\nR01: yes."


# PDF


def test_flate_bomb_pdf_is_refused_by_the_default_limits():
    data = hostile.flate_bomb_pdf()  # 1 GB of text operators
    assert len(data) < 4 * MEGABYTE
    assert refusal(filename="scan.pdf", data=data) == bomb("scan.pdf", "more than 100 MB")


def test_flate_bomb_limit_is_the_unpacked_setting(settings):
    settings.MAX_EXTRACTED_MB = 4
    assert refusal(filename="scan.pdf", data=hostile.flate_bomb_pdf(8)) == bomb("scan.pdf", "more than 4 MB")


def test_pdf_drawing_one_huge_stream_on_every_page_is_refused_before_parsing_it():
    message = refusal(filename="scan.pdf", data=hostile.flate_bomb_pdf(20, pages=200))
    assert message == (
        "“scan.pdf” holds more objects or drawing instructions than Crosscase reads from one file; "
        "it looks like a damaged or malicious file."
    )


def test_pdf_drawing_adds_up_across_pages(settings):
    settings.MAX_EXTRACTED_MB = 1
    drawing = b"0 0 m 100 100 l S\n" * 20_000  # 360 KB of lines, no text
    data = hostile.pdf(hostile.repeated_deflate(b"", drawing, 1, b""), pages=5)
    assert refusal(filename="scan.pdf", data=data) == bomb("scan.pdf", "more than 1 MB")


def test_pdf_page_with_more_text_than_a_page_holds_is_refused():
    page = "\n".join("Respondent: we shared the data with the bureau every month." for _ in range(2_000))
    message = refusal(filename="scan.pdf", data=text_pdf(page))
    assert message == (
        f"“scan.pdf” has a page showing more than {MAX_PAGE_CHARS:,} characters, far more than a page holds; "
        "it looks like a damaged or malicious file."
    )


def test_pdf_stops_reading_at_the_character_limit(settings):
    settings.MAX_TRANSCRIPT_CHARS = 1_000
    pages = ["\n".join(["Respondent: we shared the data with the bureau."] * 20)] * 50
    assert "holds more than the 1,000 characters" in refusal(filename="scan.pdf", data=text_pdf(*pages))


# The child process: time, memory, crashes


def test_file_taking_too_long_is_refused_naming_the_time_limit(settings):
    settings.EXTRACT_SECONDS = 1
    settings.MAX_EXTRACTED_MB = 200  # so that 190 MB of paragraphs without text are read, which takes seconds
    message = refusal(filename="slow.docx", data=hostile.paragraph_xml_docx(190, text=False))
    assert message == (
        "“slow.docx” took longer than 1 second to read, the limit for one file; it may be damaged, or too "
        "large to read at once (split it into parts)."
    )


def test_file_needing_too_much_memory_is_refused_naming_the_memory_limit(settings):
    settings.EXTRACT_MEMORY_MB = 8
    data = ("Interviewer: how did the bureau share data?\n" * 200_000).encode()
    message = refusal(filename="big.txt", data=data)
    assert message == (
        "“big.txt” needed more than 8 MB of memory to read, the limit for one file; it may be damaged, "
        "or too large to read at once (split it into parts)."
    )


def test_sandbox_returns_the_value_and_raises_the_exception_of_the_function():
    assert sandbox.run(hostile.echo, seconds=5, memory_mb=64, value=[1, "two"]) == [1, "two"]
    with pytest.raises(Refused) as refused:
        sandbox.run(extract, seconds=5, memory_mb=64, filename="notes.txt", data=b"")
    assert refused.value.message == "“notes.txt” is empty."


def test_sandbox_stops_a_child_past_its_seconds():
    with pytest.raises(sandbox.OutOfTime):
        sandbox.run(hostile.spin, seconds=1, memory_mb=64, duration=30)


def test_sandbox_stops_a_child_past_its_memory():
    with pytest.raises(sandbox.OutOfMemory):
        sandbox.run(hostile.hog, seconds=10, memory_mb=64, megabytes=1024)
    assert sandbox.run(hostile.hog, seconds=10, memory_mb=64, megabytes=16) == 16 * MEGABYTE


def test_sandbox_reports_a_child_that_dies():
    with pytest.raises(sandbox.Crashed):
        sandbox.run(hostile.crash, seconds=5, memory_mb=64)


def test_sandbox_turns_an_exception_it_cannot_send_into_a_runtime_error():
    with pytest.raises(RuntimeError, match="Unpicklable: one and two"):
        sandbox.run(hostile.refuse_unpicklably, seconds=5, memory_mb=64)
