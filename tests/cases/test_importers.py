"""Extracting a transcript's text from uploaded files: every format, every encoding, every refusal.

Fixtures are generated here (python-docx, odfpy, a hand-written PDF) so each test shows what the file holds;
the real files in tests/fixtures/corpus check the readers against documents nobody wrote for Crosscase.
"""

import codecs
import io
import random
import zipfile
from pathlib import Path

import docx
import pytest
from odf.opendocument import OpenDocumentText
from odf.style import Style, TextProperties
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, LineBreak, List, ListItem, P, S, Span, Tab
from pypdf import PdfWriter

from cases.importing.extract import ACCEPTED_EXTENSIONS, Extracted, decode_text, extract
from cases.importing.normalise import normalise
from cases.refusals import Refused
from cases.turns import Locator
from tests.cases.hostile import write_pdf

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "corpus"

SIMPLIFIED = (
    "访谈员：请您先介绍一下您所在的部门在数据共享方面的工作。\n"
    "受访者：好的。我们部门主要负责城市交通数据的整合，包括公交、地铁和出租车的运行数据。"
    "过去三年里，我们和卫生局、公安局都签订了数据共享协议（MOU），但是实际执行起来并不容易。\n"
    "访谈员：具体有哪些困难？\n"
    "受访者：第一是标准不统一，每个部门的数据格式都不一样，有的用Excel，有的用Oracle数据库。"
    "第二是责任问题——如果数据泄露了，谁来承担责任？领导们对此非常谨慎。"
    "第三是激励机制不足，共享数据对我们部门的KPI没有直接帮助。\n"
    "Interviewer: So the incentive problem is the main barrier?\n"
    "受访者：可以这么说。不过最近市里成立了大数据管理局，情况有所改善……我们每个月都会开协调会，"
    "讨论数据目录和开放清单。说实话，我觉得信任比技术更重要。“先做起来”是我们局长常说的话。\n"
)
TRADITIONAL = (
    "訪談員：請您先介紹一下您所在的單位在資料分享方面的工作。\n"
    "受訪者：好的。我們單位主要負責城市交通資料的整合，包括公車、捷運和計程車的營運資料。"
    "過去三年裡，我們和衛生局、警察局都簽訂了資料分享協議（MOU），但是實際執行起來並不容易。\n"
    "訪談員：具體有哪些困難？\n"
    "受訪者：第一是標準不統一，每個機關的資料格式都不一樣，有的用Excel，有的用Oracle資料庫。"
    "第二是責任問題——如果資料外洩了，誰來承擔責任？長官們對此非常謹慎。"
    "第三是誘因不足，分享資料對我們單位的績效沒有直接幫助。\n"
    "Interviewer: So the incentive problem is the main barrier?\n"
    "受訪者：可以這麼說。不過最近市府成立了資料治理委員會，情況有所改善……我們每個月都會開協調會，"
    "討論資料目錄和開放清單。說實話，我覺得信任比技術更重要。「先做起來」是我們局長常說的話。\n"
)
WESTERN = (
    "Interviewer: Was the café meeting with the ministère useful?\n"
    "Respondent: Oui — the Behörde in Zürich shared the “open” list… São Paulo did not.\n"
)
SPEAKERS = ["访谈员", "受访者", "访谈员", "受访者", "Interviewer", "受访者"]


def speakers(result: Extracted) -> list[str]:
    return [label.speaker for label in result.labels]


def refusal(**kwargs) -> str:
    with pytest.raises(Refused) as refused:
        extract(**kwargs)
    return refused.value.message


# Generated fixtures


def word_document(build) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def interview_docx(document) -> None:
    document.add_heading("Interview 7, City X", level=1)
    paragraph = document.add_paragraph()
    paragraph.add_run("Interviewer").bold = True
    paragraph.add_run(" Who owns the data?")
    paragraph = document.add_paragraph()
    paragraph.add_run("Ms Chen:").bold = True
    paragraph.add_run(" The bureau does.")
    paragraph.add_run().add_break()
    paragraph.add_run("Or so it says.")
    document.add_paragraph("Records are kept twice", style="List Bullet")
    table = document.add_table(rows=3, cols=2)
    turns = [("Speaker", "Text"), ("Interviewer", "Why?"), ("Ms Chen", "Law.")]
    for row, (name, speech) in zip(table.rows, turns, strict=True):
        row.cells[0].text, row.cells[1].text = name, speech
    paragraph = document.add_paragraph()
    paragraph.add_run("Yes").bold = True
    paragraph.add_run(", Greek too: δεδομένα — “quoted” …")
    grid = document.add_table(rows=1, cols=3)
    for cell, text in zip(
        grid.rows[0].cells, ["Site", "Date of visit and weather notes", "2021"], strict=True
    ):
        cell.text = text
    document.add_paragraph("After the tables.")


def odt_document() -> bytes:
    document = OpenDocumentText()
    bold = Style(name="Bold", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    document.automaticstyles.addElement(bold)
    document.text.addElement(H(outlinelevel=1, text="Think-aloud session 2"))
    paragraph = P()
    paragraph.addElement(Span(stylename=bold, text="MODERATOR"))
    paragraph.addText(" Please open the first task.")
    document.text.addElement(paragraph)
    paragraph = P(text="Two")
    paragraph.addElement(S(c=3))
    paragraph.addText("spaces")
    paragraph.addElement(Tab())
    paragraph.addText("tab")
    paragraph.addElement(LineBreak())
    paragraph.addText("next line")
    document.text.addElement(paragraph)
    items = List()
    item = ListItem()
    item.addElement(P(text="first point"))
    items.addElement(item)
    document.text.addElement(items)
    table = Table()
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for name, speech in [("PARTICIPANT", "I would sort these."), ("MODERATOR", "Why?")]:
        row = TableRow()
        for text in (name, speech):
            cell = TableCell()
            cell.addElement(P(text=text))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def text_pdf(*pages: str) -> bytes:
    """A minimal PDF showing each page's lines in Helvetica; the xref table's offsets are computed."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R >>",
        3: b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    }
    kids = []
    for index, text in enumerate(pages):
        page, content = 4 + 2 * index, 5 + 2 * index
        kids.append(f"{page} 0 R")
        shown = "".join(f"({_pdf_string(line)}) Tj T* " for line in text.split("\n"))
        stream = f"BT /F1 12 Tf 14 TL 72 720 Td {shown}ET".encode("latin-1") if text else b"0 0 m 99 99 l S"
        objects[page] = (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {content} 0 R >>"
        ).encode()
        objects[content] = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream)
    objects[2] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()
    return write_pdf(objects)


def _pdf_string(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def rezipped(data: bytes, replace: dict[str, bytes]) -> bytes:
    """`data` (a zip) with the members in `replace` swapped for new contents."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
    return buffer.getvalue()


# Plain text and encodings


def test_plain_text_keeps_its_speakers_and_gets_a_title():
    result = extract(filename="City_X-interview__03.txt", data=WESTERN.encode())
    assert (result.text, result.format, result.encoding, result.title) == (
        normalise(WESTERN),
        "txt",
        "utf-8",
        "City X-interview 03",
    )
    assert speakers(result) == ["Interviewer", "Respondent"]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16", "utf-16-be", "utf-32"]
)
def test_simplified_chinese_extracts_identically_in_every_encoding(encoding):
    data = SIMPLIFIED.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    result = extract(filename="访谈.txt", data=data)
    assert result.text == normalise(SIMPLIFIED)
    assert speakers(result) == SPEAKERS
    assert result.encoding in {"utf-8", "utf-8-sig", "gb18030", "utf-16", "utf-32"}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "big5", "cp950", "utf-16"])
def test_traditional_chinese_extracts_identically_in_every_encoding(encoding):
    result = extract(filename="訪談.txt", data=TRADITIONAL.encode(encoding))
    assert result.text == normalise(TRADITIONAL)
    assert speakers(result)[:2] == ["訪談員", "受訪者"]


def test_gbk_and_big5_are_told_apart():
    assert extract(filename="a.txt", data=SIMPLIFIED.encode("gbk")).encoding == "gb18030"
    assert extract(filename="b.txt", data=TRADITIONAL.encode("big5")).encoding == "cp950"


@pytest.mark.parametrize(
    "text",
    [
        "受訪者：對，沒錯。",
        "我們今天談談資料分享。",
        "謝謝您接受訪問。",
        "臺灣開放政府",
        "受訪者：資料",
        "資料",
    ],
)
def test_short_big5_is_not_mistaken_for_gb18030(text):
    assert decode_text(text.encode("big5")) == (text, "cp950")


@pytest.mark.parametrize("text", ["访谈者：数据归谁所有？", "谢谢您接受访问。", "数据共享", "数据"])
def test_short_gbk_is_not_mistaken_for_big5(text):
    assert decode_text(text.encode("gbk")) == (text, "gb18030")


def test_western_legacy_text_is_windows_1252():
    assert decode_text(WESTERN.encode("cp1252")) == (WESTERN, "cp1252")
    assert decode_text("Zoë Müller: ja, genau.".encode("cp1252")) == ("Zoë Müller: ja, genau.", "cp1252")


def test_russian_legacy_text_is_windows_1251():
    text = "Интервьюер: Кто владеет данными? Респондент: Ведомство считает, что данные принадлежат ему."
    assert decode_text(text.encode("cp1251")) == (text, "cp1251")


def test_utf16_without_a_byte_order_mark_is_recognised():
    assert decode_text(SIMPLIFIED.encode("utf-16-le")) == (SIMPLIFIED, "utf-16-le")


def test_encoding_override_decodes_strictly():
    data = TRADITIONAL.encode("big5")
    result = extract(filename="t.txt", data=data, encoding="big5")
    assert (result.text, result.encoding) == (normalise(TRADITIONAL), "big5")
    assert decode_text(data, encoding="cp950") == (TRADITIONAL, "cp950")


def test_wrong_encoding_override_is_refused_naming_the_encoding():
    message = refusal(filename="u.txt", data=SIMPLIFIED.encode(), encoding="gbk")
    assert message.startswith("“u.txt” is not valid GBK text: ")


def test_unknown_encoding_override_is_refused_naming_it():
    assert "“klingon”" in refusal(filename="u.txt", data=b"hello", encoding="klingon")


def test_decode_text_refuses_without_a_file_name():
    with pytest.raises(Refused) as refused:
        decode_text("資料".encode(), encoding="big5")
    assert refused.value.message.startswith("This file is not valid Big5 text")


# Markdown


def test_markdown_markup_goes_and_its_text_stays():
    source = (
        "---\ntitle: Notes\ntags: [a, b]\n---\n# Interview *one*\n\n"
        "> Quoted **bold** with [a link](https://example.org) and `code` ![a chart](chart.png)\n\n"
        "### 問：資料屬於誰？\n\n- first\n- second\n\n1. numbered\n"
    )
    result = extract(filename="notes.md", data=source.encode())
    assert result.text == (
        "Interview one\n\nQuoted bold with a link and code\n\n問：資料屬於誰？\n\n"
        "• first\n\n• second\n\n1. numbered"
    )
    assert speakers(result) == []  # "問：" opens one paragraph only: not a dialogue


def test_hackmd_signatures_become_speaker_labels():
    source = (
        "> First comment [name=kiang]\n> 谢谢 -[name=Huizhong]\n> 好的 -- [name=chihao]\n\n"
        "Two lines\nsigned together [name=isabel]\n\nA list:\n[name=kiang]\n"
    )
    result = extract(filename="notes.md", data=source.encode())
    # The signatures stay where they were written: labels at the end of what they sign.
    assert result.text == normalise(source).replace("> ", "")
    assert [(label.speaker, label.trailing) for label in result.labels] == [
        ("kiang", True),
        ("Huizhong", True),
        ("chihao", True),
        ("isabel", True),
        ("kiang", True),
    ]
    locator = Locator(result.text, result.labels)
    assert locator.speaker(result.text.index("谢谢")) == "Huizhong"
    assert locator.speaker(result.text.index("Two lines")) == "isabel"


# Word


def test_docx_paragraphs_tables_and_speakers_in_document_order():
    result = extract(filename="Interview_07.docx", data=word_document(interview_docx))
    assert result.format == "docx" and result.encoding is None and result.title == "Interview 07"
    assert result.text == (
        "Interview 7, City X\n\n"
        "Interviewer Who owns the data?\n\n"  # a speaker table's row: its cells apart by a tab → space
        "Ms Chen: The bureau does.\nOr so it says.\n\n"
        "• Records are kept twice\n\n"
        "Interviewer Why?\n\n"
        "Ms Chen Law.\n\n"
        "Yes, Greek too: δεδομένα — “quoted” …\n\n"
        "Site\n\nDate of visit and weather notes\n\n2021\n\n"
        "After the tables."
    )
    assert speakers(result) == ["Interviewer", "Ms Chen", "Interviewer", "Ms Chen"]


def test_docx_bold_names_keep_a_colon_already_typed():
    def build(document):
        paragraph = document.add_paragraph()
        paragraph.add_run("访谈员").bold = True
        paragraph.add_run("：数据归谁？")
        paragraph = document.add_paragraph()
        paragraph.add_run("受访者").bold = True
        paragraph.add_run("\t各部门都认为是自己的。")

    result = extract(filename="zh.docx", data=word_document(build))
    assert result.text == "访谈员：数据归谁？\n\n受访者 各部门都认为是自己的。"  # nothing added
    assert speakers(result) == ["访谈员", "受访者"]


def test_docx_leaves_out_deletions_and_the_table_of_contents():
    def build(document):
        document.add_paragraph("Kept")

    data = word_document(build)
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    revised = body.replace(
        "<w:r><w:t>Kept</w:t></w:r>",
        '<w:r><w:t xml:space="preserve">Kept </w:t></w:r>'
        '<w:del w:id="1" w:author="a"><w:r><w:delText>deleted</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="a"><w:r><w:t>inserted</w:t></w:r></w:ins>',
    )
    contents = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/></w:docPartObj></w:sdtPr>'
        "<w:sdtContent><w:p><w:r><w:t>Contents ........ 1</w:t></w:r></w:p></w:sdtContent></w:sdt>"
    )
    revised = revised.replace("<w:body>", f"<w:body>{contents}")
    assert revised.count("<w:sdt>") == 1
    result = extract(filename="r.docx", data=rezipped(data, {"word/document.xml": revised.encode()}))
    assert result.text == "Kept inserted"


# OpenDocument


def test_odt_structure_and_bold_speakers():
    result = extract(filename="session-2.odt", data=odt_document())
    assert result.text == (
        "Think-aloud session 2\n\nMODERATOR Please open the first task.\n\nTwo spaces tab\nnext line\n\n"
        "• first point\n\nPARTICIPANT I would sort these.\n\nMODERATOR Why?"
    )
    assert speakers(result) == ["MODERATOR", "PARTICIPANT", "MODERATOR"]


# PDF


def test_pdf_pages_are_paragraphs():
    result = extract(filename="scan.pdf", data=text_pdf("Interviewer: Who owns (it)?", "R01: The bureau."))
    assert result.text == "Interviewer: Who owns (it)?\n\nR01: The bureau."
    assert speakers(result) == ["Interviewer", "R01"]


def test_pdf_without_a_text_layer_is_refused():
    assert (
        refusal(filename="scan.pdf", data=text_pdf("", "")) == "“scan.pdf” has no text layer — run OCR first."
    )


def test_password_protected_pdf_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "password-protected" in refusal(filename="locked.pdf", data=buffer.getvalue())


# RTF, HTML, captions


def test_rtf_respects_its_code_page_and_unicode_escapes():
    source = (
        r"{\rtf1\ansi\ansicpg936\deff0{\fonttbl{\f0\fnil\fcharset134 SimSun;}}"
        r"{\*\generator Riched20;}\f0 \b Interviewer:\b0  \'c4\'e3\'ba\'c3\line second line\par"
        "\r\n"
        r"Respondent: Caf\u233?, emoji \u-10179?\u-8704? ok\par}"
    )
    result = extract(filename="notes.rtf", data=source.encode("ascii"))
    assert result.text == "Interviewer: 你好\nsecond line\n\nRespondent: Café, emoji 😀 ok"
    assert (result.format, result.encoding) == ("rtf", "gb18030")
    assert speakers(result) == ["Interviewer", "Respondent"]


def test_html_blocks_become_paragraphs_and_scripts_go():
    page = (
        "<html><head><meta charset='gbk'><title>x</title><style>p{}</style></head><body>"
        "<h1>访谈&nbsp;三</h1><p>访谈员：数据归谁？\n  第二行<br>换行</p><script>alert(1)</script>"
        "<ul><li>一</li><li>二 <i>斜</i></li></ul><div>Anna &amp; Ben</div></body></html>"
    )
    result = extract(filename="page.htm", data=page.encode("gbk"))
    assert result.text == "访谈 三\n\n访谈员：数据归谁？ 第二行\n换行\n\n• 一\n\n• 二 斜\n\nAnna & Ben"
    assert (result.format, result.encoding) == ("html", "gb18030")


def test_vtt_cues_become_speaker_paragraphs_with_timestamps():
    source = (
        "WEBVTT\n\nNOTE produced by a service\n\n"
        "1\n00:00:01.000 --> 00:00:03.000\n<v Anna Li>Hello &amp; <i>welcome</i>.</v>\n\n"
        "2\n00:00:03.500 --> 00:00:05.000\n<v Anna Li>Shall we start?\n\n"
        "00:00:06.000 --> 00:00:08.000\n<v Ben>Yes.\n\n"
        "01:02:03.000 --> 01:02:05.000\nNobody is named here.\n"
    )
    result = extract(filename="call.vtt", data=source.encode())
    assert result.text == (
        "Anna Li 00:00:01\nHello & welcome. Shall we start?\n\nBen 00:00:06\nYes.\n\n"
        "01:02:03\nNobody is named here."
    )
    assert speakers(result) == ["Anna Li", "Ben"]


def test_srt_cues_with_name_prefixes_become_turns():
    source = (
        "1\r\n00:00:01,000 --> 00:00:02,000\r\nInterviewer: How did it start?\r\n\r\n"
        "2\r\n00:00:02,500 --> 00:00:04,000\r\nInterviewer: Tell me more.\r\n\r\n"
        '3\r\n00:01:05,000 --> 00:01:07,000\r\nRespondent: <font color="red">In</font> 2019.\r\n'
    )
    result = extract(filename="call.srt", data=source.encode())
    assert result.text == (
        "Interviewer 00:00:01\nHow did it start? Tell me more.\n\nRespondent 00:01:05\nIn 2019."
    )
    assert speakers(result) == ["Interviewer", "Respondent"]


def test_subtitle_file_without_cues_is_refused():
    assert "does not look like a WebVTT subtitle file" in refusal(filename="x.vtt", data=b"WEBVTT\n\nhello\n")


# The real corpus in tests/fixtures/corpus


def test_corpus_think_aloud_odt_has_moderator_turns():
    result = extract(
        filename="think-aloud.odt", data=(CORPUS / "en_serdif_P1_GMT20211118_think-aloud.odt").read_bytes()
    )
    # One "MODERATOR:" line, not bold, in a session where the participant is never labelled: labelling it
    # would hand the participant's whole session to the moderator.
    assert speakers(result) == []
    assert "MODERATOR: Could you please start in task 1?" in result.text.split("\n\n")
    assert result.text.startswith("1 Read the ‘Home’ tab information.\n\nAlright, so I have logged in.")
    assert len(result.text.split()) > 4000


def test_corpus_special_characters_docx_keeps_them_all():
    result = extract(
        filename="special.chars.docx", data=(CORPUS / "qualcoder_special.chars.docx").read_bytes()
    )
    assert result.title == "special.chars"
    assert result.text == (
        "This is a test with ‘single smart quotes’, “double smart quotes”.\n\n"
        "It’s a test.\n\n"
        "And here is an ellipsis: …\n\n"
        "and a dash, n-dash, m-dash: ‐, –, — (for -, --, ---)"
    )


def test_corpus_speaker_tagged_txt_has_seven_turns():
    result = extract(
        filename="tags.txt", data=(CORPUS / "qualcoder_transcript_speaker-tags.txt").read_bytes()
    )
    assert speakers(result) == ["id1", "id2", "id3", "id1", "id3", "id1", "id2"]


def test_corpus_chinese_markdown_keeps_chinese_and_finds_signatures():
    result = extract(
        filename="notes.md", data=(CORPUS / "zh-Hant-en_g0v_AP-interview-collab-notes.md").read_bytes()
    )
    assert "tags: 採訪共筆" not in result.text  # the front matter
    assert result.text.startswith("美聯社採訪共筆\n\n大家好 我叫吳慧中")
    assert "目前沒有標示採訪共筆授權，如果可以希望標示 license: CC BY 4.0-g0v" in result.text
    assert "谢谢， 有加了 [name=Huizhong]" in result.text
    assert "license: CC BY 4.0 by g0v contributors" in result.text.split("\n\n")  # no label, no break
    assert "受訪者登記：" in result.text.split("\n\n")
    assert result.text.index("受訪者登記：") not in {label.start for label in result.labels}
    found = speakers(result)
    assert {"kiang", "Huizhong", "chihao", "isabel"} <= set(found)
    assert found.index("kiang") < found.index("Huizhong") < found.index("chihao")
    assert "](" not in result.text
    assert all(result.text[label.start : label.end].startswith("[name=") for label in result.labels)


# Refusals


def test_unknown_extension_is_refused_listing_what_is_accepted():
    message = refusal(filename="budget.xlsx", data=b"PK\x03\x04")
    assert message.startswith("“budget.xlsx” is not a kind of file Crosscase can import")
    assert all(extension in message for extension in ACCEPTED_EXTENSIONS)


def test_oversized_file_is_refused(settings):
    settings.MAX_UPLOAD_MB = 1
    message = refusal(filename="long.txt", data=b"a" * (1024 * 1024 + 1))
    assert message == "“long.txt” is 1.1 MB; the limit is 1 MB."


def test_text_over_the_character_limit_is_refused(settings):
    settings.MAX_TRANSCRIPT_CHARS = 100
    assert "the limit is 100" in refusal(filename="long.txt", data=b"word " * 30)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "“blank.txt” is empty."),
        (b"   \r\n\t\r\n", "“blank.txt” holds no text."),
        ("\u200b\ufeff \u00a0".encode(), "“blank.txt” holds no text."),
    ],
)
def test_file_without_text_is_refused(data, expected):
    assert refusal(filename="blank.txt", data=data) == expected


def test_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<" + b"a" * 30_000_000 + b"/>")
    message = refusal(filename="bomb.docx", data=buffer.getvalue())
    assert message.startswith("“bomb.docx” expands to 29 MB when unpacked;")
    assert message.endswith("it looks like a damaged or malicious file.")


def test_zip_with_thousands_of_members_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(5_001):
            archive.writestr(f"junk/{number}", "")
    assert "expands to 5,002 files when unpacked" in refusal(filename="many.docx", data=buffer.getvalue())


def test_doctype_in_docx_xml_is_refused():
    data = word_document(lambda document: document.add_paragraph("Hi"))
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    laughs = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>' + body.split(b"?>", 1)[1]
    message = refusal(filename="lol.docx", data=rezipped(data, {"word/document.xml": laughs}))
    assert message.startswith("“lol.docx” declares a document type (DTD)")


def test_old_word_file_renamed_to_docx_is_refused_as_a_mismatch():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000)
    message = refusal(filename="old.docx", data=ole)
    assert message.startswith(
        "“old.docx” does not look like a Word document (.docx); it looks like an old-format"
    )


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        (
            "notes.docx",
            odt_document(),
            "“notes.docx” does not look like a Word document (.docx); it looks like an",
        ),
        (
            "notes.odt",
            word_document(lambda d: d.add_paragraph("x")),
            "“notes.odt” does not look like an OpenDocument",
        ),
        ("notes.pdf", b"Interviewer: hello", "“notes.pdf” does not look like a PDF."),
        ("notes.rtf", b"Interviewer: hello", "“notes.rtf” does not look like an RTF document."),
        ("notes.txt", text_pdf("x"), "“notes.txt” does not look like a text file; it looks like a PDF."),
        (
            "notes.md",
            b"\x89PNG\r\n\x1a\n" + bytes(50),
            "“notes.md” does not look like a text file; it looks like an",
        ),
    ],
)
def test_content_must_match_the_extension(filename, data, expected):
    assert refusal(filename=filename, data=data).startswith(expected)


def test_binary_junk_is_not_a_text_file():
    junk = random.Random(3).randbytes(4096)
    assert refusal(filename="junk.txt", data=junk) == "“junk.txt” does not look like a text file."
    control_heavy = bytes(range(1, 32)) * 100
    assert "does not look like a text file" in refusal(filename="junk.srt", data=control_heavy)


def test_damaged_docx_is_refused_as_damaged():
    data = word_document(lambda document: document.add_paragraph("Hi"))
    broken = rezipped(data, {"word/document.xml": b"<w:document><unclosed>"})
    message = refusal(filename="broken.docx", data=broken)
    assert message == "“broken.docx” could not be read as a Word document; it may be damaged."


def test_truncated_zip_is_refused_as_damaged():
    data = word_document(lambda document: document.add_paragraph("Hi"))
    assert "may be damaged" in refusal(filename="cut.docx", data=data[: len(data) // 2])


def test_client_side_paths_are_dropped_from_names_and_titles():
    result = extract(filename="C:\\fakepath\\2021-05-04_city_Y.txt", data=b"Hello")
    assert result.title == "2021-05-04 city Y"
