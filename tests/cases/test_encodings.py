"""Plain-text transcripts in the encodings they arrive in: detected where the bytes tell, else selectable."""

import pytest

from cases.forms import ENCODINGS
from cases.importing.extract import extract

TRADITIONAL = "訪談員：請問貴機關如何與其他機關共享資料？\n\n受訪者：我們通常透過公文往來，但格式不一致。"
SIMPLIFIED = "访谈员：请问贵单位如何与其他部门共享数据？\n\n受访者：我们一般通过公文往来。"
JAPANESE = "インタビュアー：データはどの部署のものですか？\n\n回答者：各部署が自分のものだと考えています。"
KOREAN = "면담자: 데이터는 누구의 것입니까?\n\n응답자: 각 부서는 자기 것이라고 생각합니다."
ENGLISH = "Interviewer: Who owns the data?\n\nR01: The bureau does."


@pytest.mark.parametrize("text", [TRADITIONAL, SIMPLIFIED, JAPANESE, KOREAN, ENGLISH])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_detected_in_either_order(text, codec):
    result = extract(filename="interview.txt", data=text.encode(codec))
    assert (result.text, result.encoding) == (text, codec)


def test_traditional_chinese_in_gb18030_is_detected_not_misread():
    result = extract(filename="訪談.txt", data=TRADITIONAL.encode("gb18030"))
    assert (result.text, result.encoding) == (TRADITIONAL, "gb18030")


@pytest.mark.parametrize(("text", "codec"), [(TRADITIONAL, "cp950"), (SIMPLIFIED, "gb18030")])
def test_big5_and_simplified_gb18030_are_still_told_apart(text, codec):
    result = extract(filename="interview.txt", data=text.encode(codec))
    assert (result.text, result.encoding) == (text, codec)


@pytest.mark.parametrize(
    ("text", "choice"),
    [(JAPANESE, "shift_jis"), (JAPANESE, "euc-jp"), (KOREAN, "euc-kr"), (TRADITIONAL, "utf-16-be")],
)
def test_japanese_korean_and_utf16_are_selectable(text, choice):
    assert choice in dict(ENCODINGS)
    assert extract(filename="interview.txt", data=text.encode(choice), encoding=choice).text == text


def test_binary_data_with_nul_bytes_is_still_refused():
    from cases.refusals import Refused

    with pytest.raises(Refused, match="does not look like a text file"):
        extract(filename="interview.txt", data=bytes(range(256)) * 4)
