"""An imported transcript's text is its source's text under the documented normalisation, for real files."""

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from odf import teletype
from odf.opendocument import load
from odf.text import H, P

from cases.importing.extract import extract
from cases.importing.normalise import normalise
from cases.importing.readers.markdown import read_markdown

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NVIVO = FIXTURES / "refi" / "nvivo12-win_oltas0517.qdpx"


def nvivo_sources() -> dict[str, bytes]:
    with zipfile.ZipFile(NVIVO) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("Sources/")}


def word_paragraphs(data: bytes) -> str:
    """Every paragraph of the body, content controls included, as Word shows its text."""
    body = docx.Document(io.BytesIO(data)).element.body
    texts = ("".join(run.text or "" for run in p.iter(qn("w:t"))) for p in body.iter(qn("w:p")))
    return "\n\n".join(text for text in texts if text.strip())


@pytest.mark.parametrize(
    "name", ["qualcoder_transcript_speaker-tags.txt", "qualcoder_plain_codes_categories_for_import.txt"]
)
def test_plain_text_fixture_is_kept_as_written(name):
    data = (FIXTURES / "corpus" / name).read_bytes()
    assert extract(filename=name, data=data).text == normalise(data.decode("utf-8-sig"))


def test_markdown_fixture_is_its_rendered_text_with_the_signatures_in_place():
    name = "zh-Hant-en_g0v_AP-interview-collab-notes.md"
    data = (FIXTURES / "corpus" / name).read_bytes()
    result = extract(filename=name, data=data)
    assert result.text == normalise(read_markdown(data.decode()))
    assert result.text.count("[name=") == len(result.labels)


def test_word_fixture_is_its_paragraphs():
    data = (FIXTURES / "corpus" / "qualcoder_special.chars.docx").read_bytes()
    assert extract(filename="special.docx", data=data).text == normalise(word_paragraphs(data))


def test_opendocument_fixture_is_its_paragraphs():
    data = (FIXTURES / "corpus" / "en_serdif_P1_GMT20211118_think-aloud.odt").read_bytes()
    document = load(io.BytesIO(data))
    assert not document.text.getElementsByType(H)  # so the paragraphs alone are the text, in order
    blocks = [teletype.extractText(element) for element in document.text.getElementsByType(P)]
    expected = normalise("\n\n".join(block for block in blocks if block.strip()))
    assert extract(filename="think-aloud.odt", data=data).text == expected


@pytest.mark.parametrize("name", sorted(nvivo_sources()))
def test_nvivo_source_texts_are_kept_and_get_no_speakers(name):
    data = nvivo_sources()[name]
    result = extract(filename=name.rpartition("/")[2], data=data)
    expected = (
        normalise(data.decode("utf-8-sig")) if name.endswith(".txt") else normalise(word_paragraphs(data))
    )
    assert result.text == expected
    assert result.labels == ()  # comment dumps: video titles ("Koronavírus: …") and @handles are not speakers
