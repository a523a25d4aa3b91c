"""Which legacy encoding a byte-text file is in, when it has no byte-order mark and is not UTF-8.

Chinese transcripts still arrive as GBK/GB18030 (simplified, and traditional from mainland editors) and Big5
from Windows editors; UTF-16 arrives without a byte-order mark from some Windows tools. charset-normalizer
chooses among a few plausible encodings; for short inputs, where GBK and Big5 byte sequences are often both
valid, the tie goes to the decoding whose characters are common rather than rare: mis-decoded text is full of
extension, private-use and odd symbol characters. Windows-1251 (Russian) is recognised only when
Windows-1252 would turn whole words into accented letters.
"""

import codecs
import functools
import re
import unicodedata
from collections import Counter

import charset_normalizer

# Each is the Windows superset of its standard. Shift JIS and EUC-KR share byte ranges with GBK and Big5 and
# would make short Chinese texts ambiguous: Japanese and Korean legacy files need the encoding chosen.
CANDIDATES = ("gb18030", "cp950", "cp1252")
_MULTI_BYTE = ("gb18030", "cp950")
# Above this share of rare characters a multi-byte decoding is taken for a mis-decoding.
_MAX_RARITY = 0.2
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]{3,}")
_SAMPLE = 65_536
_MAX_JUNK = 0.02
# Detection looks at the start of a file, in bytes and then in characters: plenty to tell the encodings apart,
# and a bound on the work (detection once took 2 GB and 9 seconds over 20 MB of "é").
_DETECTION_SAMPLE = 256 * 1024


def unmarked_utf16(data: bytes) -> str | None:
    """The codec of UTF-16 written without a byte-order mark ("utf-16-le" or "utf-16-be"), or None.

    Every ASCII-range character in UTF-16 (a line break, a space, a digit) has a NUL byte: in English text
    nearly every pair has one, in Chinese, Japanese or Korean text only the few line breaks and spaces (and
    the odd ideograph such as U+5100). Read in the wrong byte order, those become unassigned or private code
    points ("\n" is U+0A00), and binary data is junk either way; so the byte order whose reading is text
    (letters, punctuation, white space) wins.
    """
    sample = data[:_SAMPLE]
    if len(sample) < 4 or len(data) % 2 or b"\x00" not in sample:
        return None
    junk = {}
    for codec in ("utf-16-le", "utf-16-be"):
        try:
            junk[codec] = _junk_share(data.decode(codec)[: _SAMPLE // 2])
        except UnicodeDecodeError:
            continue
    best = min(junk, key=junk.get, default=None)
    return best if best is not None and junk[best] <= _MAX_JUNK else None


def _junk_share(text: str) -> float:
    """The share of `text` that is unassigned, private, surrogate or control (other than white space)."""
    junk = sum(
        1
        for char in text
        if unicodedata.category(char) in ("Cc", "Cn", "Co", "Cs") and char not in "\t\n\r\f"
    )
    return junk / max(len(text), 1)


def detect_legacy(data: bytes) -> tuple[str, str] | None:
    """(text, codec) in the most plausible legacy encoding, or None when none is plausible."""
    decoded = {}
    for codec in CANDIDATES:
        try:
            decoded[codec] = data.decode(codec)
        except UnicodeDecodeError:
            continue
    head = _head(data)
    matches = charset_normalizer.from_bytes(head, cp_isolation=list(CANDIDATES), preemptive_behaviour=False)
    ranked = [name for name in (codecs.lookup(match.encoding).name for match in matches) if name in decoded]
    if not ranked or ranked[0] in _MULTI_BYTE:
        # charset-normalizer is unreliable between GBK and Big5 on short inputs: rarity decides, and a
        # decoding with many rare characters is not a candidate at all (Western text, binary data).
        samples = {codec: decoded[codec][:_DETECTION_SAMPLE] for codec in _MULTI_BYTE if codec in decoded}
        rarity = {codec: _rarity(sample, codec) for codec, sample in samples.items()}
        plausible = [codec for codec, share in rarity.items() if share <= _MAX_RARITY]
        if plausible:
            rank = {codec: ranked.index(codec) if codec in ranked else len(ranked) for codec in plausible}
            best = min(plausible, key=lambda codec: (rarity[codec], rank[codec], _MULTI_BYTE.index(codec)))
            return decoded[best], best
    western = decoded["cp1252"] if "cp1252" in ranked else None
    if western is not None and not _in_word_runs(western[:_DETECTION_SAMPLE]):
        return western, "cp1252"
    # Russian read as Windows-1252 is whole words of accented letters ("Èíòåðâüþ"), which charset-normalizer
    # rightly rejects; offering it Windows-1251 instead would make it misread short Western and Chinese texts.
    try:
        cyrillic = data.decode("cp1251")
    except UnicodeDecodeError:
        cyrillic = ""
    sample = cyrillic[:_DETECTION_SAMPLE]
    letters = [char for char in sample if char >= "\x80" and char.isalpha()]
    if (
        letters
        and _in_word_runs(sample)
        and sum("\u0400" <= char <= "\u04ff" for char in letters) > 0.8 * len(letters)
    ):
        return cyrillic, "cp1251"
    return (western, "cp1252") if western is not None else None


def _head(data: bytes) -> bytes:
    """The first _DETECTION_SAMPLE bytes of `data`, ending at a line break when there is one in them.

    A line break is a character boundary in every candidate: no multi-byte character has 0x0A in it.
    """
    if len(data) <= _DETECTION_SAMPLE:
        return data
    head = data[:_DETECTION_SAMPLE]
    end = head.rfind(b"\n")
    return head[: end + 1] if end > 0 else head


def _in_word_runs(text: str) -> bool:
    """Whether most non-ASCII characters of `text` come in runs of three or more, as in non-Latin words.

    Accented letters in French or German stand between ASCII letters; a non-Latin script fills whole words.
    """
    non_ascii = len(text) - len(text.encode("ascii", "ignore"))
    return non_ascii > 0 and sum(len(run) for run in _NON_ASCII_RUN.findall(text)) > non_ascii / 2


def _rarity(text: str, codec: str) -> float:
    """The share of the non-ASCII characters of `text` that are rare in `codec` (0 common … 1 rare)."""
    counts = {char: count for char, count in Counter(text).items() if char >= "\x80"}
    total = sum(counts.values())
    if not total:
        return 0.0
    return sum(_cost(char, codec) * count for char, count in counts.items()) / total


@functools.lru_cache(maxsize=65_536)
def _cost(char: str, codec: str) -> float:
    """How unlikely `char` is in real text written in `codec` (GB18030 or Big5): 0 common … 1 junk.

    An ideograph's code says it: GB2312 level 1 within GBK and Big5 level 1 are common, level 2 less so, the
    GBK extensions, Big5's additions and user-defined areas are what mis-decoded bytes produce. Outside the
    ideographs only everyday punctuation is common: mis-decoded bytes also land on bopomofo, small-form and
    box-drawing symbols.
    """
    if unicodedata.category(char) in ("Co", "Cn", "Cs", "Cc"):
        return 1.0
    try:
        encoded = char.encode(codec)
    except UnicodeEncodeError:
        return 1.0
    if len(encoded) != 2:
        return 1.0  # GB18030's four-byte sequences: characters outside GBK
    if not ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"):
        return 0.0 if _is_common_symbol(char) else 0.5
    lead, trail = encoded
    if codec == "gb18030":
        if trail < 0xA1 or lead < 0xB0:
            # GBK's extensions hold the traditional forms: Traditional Chinese written in GB18030 is common
            # text when its characters are common in Big5.
            return _cost(char, "cp950")
        return 0.0 if lead <= 0xD7 else 0.5 if lead <= 0xF7 else 1.0
    if (0xA4, 0x40) <= (lead, trail) <= (0xC6, 0x7E):
        return 0.0
    return 0.5 if (0xC9, 0x40) <= (lead, trail) <= (0xF9, 0xD5) else 1.0


def _is_common_symbol(char: str) -> bool:
    """Punctuation and signs that Chinese text uses every day (full-width forms, quotes, dashes, ellipsis)."""
    return (
        "\u3000" <= char <= "\u303f"  # 、。「」《》【】
        or "\uff01" <= char <= "\uff5e"  # full-width ASCII: ，（）：；？！
        or "\u2010" <= char <= "\u203b"  # dashes, quotes, ellipsis, ‰, ※
        or "\u2460" <= char <= "\u24ff"  # circled numbers
        or "\u2160" <= char <= "\u217f"  # Roman numerals
        or char in "·×÷°℃№→←↑↓■□▲△◆◇○●★☆"
    )
