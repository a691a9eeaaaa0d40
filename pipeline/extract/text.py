"""Text handling: sentence splitting, outlet tails, numbers in digits and words."""

from __future__ import annotations

import re

# Abbreviations after which a period does not end a sentence.
_ABBREVIATIONS = frozenset(
    [
        "u.s",
        "u.k",
        "u.n",
        "e.u",
        "mr",
        "mrs",
        "ms",
        "dr",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "sgt",
        "adm",
        "cmdr",
        "brig",
        "st",
        "no",
        "vs",
        "etc",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "inc",
        "ltd",
        "co",
        "corp",
        "jr",
        "sr",
        "prof",
        "rep",
        "sen",
        "gov",
        "pres",
        "dept",
        "est",
        "approx",
        "fig",
        "i.e",
        "e.g",
        "u.s.a",
        "a.m",
        "p.m",
    ]
)

_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n\s*")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")
# "(Reuters) (AP via MSN News)" at the end of a WCEP summary line.
_OUTLET_TAIL = re.compile(r"(?:[ \t]*\([^()\n]{1,80}\))+[ \t]*$", re.MULTILINE)
_OUTLET_GROUP = re.compile(r"\(([^()\n]{1,80})\)")

MAX_SENTENCE = 2_000


def lower_same_length(text: str) -> str:
    """`text` lower-cased with every offset kept: the few characters whose lower case is
    longer (Turkish dotted I) stay as they are."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(lc := c.lower()) != 1 else lc for c in text)


def outlet_tail_start(text: str, line_end: int, line_start: int) -> int:
    """Return where a trailing run of "(Outlet)" groups starts on a line (or line_end)."""
    seg = text[line_start:line_end]
    if not seg.rstrip(" \t").endswith(")"):
        return line_end  # the tail ends the line with ")": most lines are rejected here
    m = _OUTLET_TAIL.search(seg)
    if not m:
        return line_end
    # Only strip when the line has real text before the tail and the groups look like outlets
    # (start with a capital letter or digit), not "(Afghan)" inside a sentence.
    before = seg[: m.start()].rstrip()
    if not before or before[-1] not in ".!?\"'”’":
        return line_end
    for g in _OUTLET_GROUP.finditer(m.group(0)):
        inner = g.group(1).strip()
        if not inner or not (inner[0].isupper() or inner[0].isdigit()):
            return line_end
    return line_start + m.start()


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Split into sentence spans (start, end), trimmed; offsets index `text`."""
    spans: list[tuple[int, int]] = []
    # First split into lines so headlines and WCEP outlet tails are handled per line.
    pos = 0
    n = len(text)
    while pos < n:
        nl = text.find("\n", pos)
        line_end = n if nl < 0 else nl
        end = outlet_tail_start(text, line_end, pos) if line_end - pos < 5_000 else line_end
        _split_line(text, pos, end, spans)
        pos = line_end + 1
    return spans


def _split_line(text: str, start: int, end: int, out: list[tuple[int, int]]) -> None:
    seg_start = start
    for m in _BOUNDARY.finditer(text, start, end):
        cut = m.end()
        if m.group(0)[0] == ".":
            before = _WORD_BEFORE.search(text, max(start, m.start() - 12), m.start())
            word = before.group(1).lower().rstrip(".") if before else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                # "Gen. Miller", "U.S. troops", "Christopher T. Donahue": no break unless the
                # next word starts a new sentence after a known sentence-final abbreviation.
                nxt = text[cut : cut + 3].lstrip()
                if not (
                    word in {"u.s", "u.k", "u.n"} and nxt[:1].isupper() and _looks_new(text, cut)
                ):
                    continue
        nxt_char = text[cut : cut + 2].lstrip()[:1]
        if nxt_char and nxt_char.islower():
            continue
        _emit(text, seg_start, cut, out)
        seg_start = cut
    _emit(text, seg_start, end, out)


_NEW_SENT_WORDS = re.compile(r"\s*(?:The|A|An|It|He|She|They|This|In|On|But|However|Also)\b")


def _looks_new(text: str, pos: int) -> bool:
    return bool(_NEW_SENT_WORDS.match(text, pos))


def _emit(text: str, a: int, b: int, out: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b <= a:
        return
    # Very long "sentences" (no punctuation) are cut into bounded windows.
    while b - a > MAX_SENTENCE:
        cut = text.rfind(" ", a, a + MAX_SENTENCE)
        if cut <= a:
            cut = a + MAX_SENTENCE
        out.append((a, cut))
        a = cut
        while a < b and text[a].isspace():
            a += 1
    if b > a:
        out.append((a, b))


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "a": 1, "an": 1, "a few": 3, "dozen": 12, "a dozen": 12,
    "dozens": 24, "hundreds": 200, "thousands": 2000,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12,
}  # fmt: skip

_NUM_WORD = "|".join(
    sorted(
        [w for w in list(_UNITS) + list(_TENS) + list(_SCALES) if not w.startswith("a")],
        key=len,
        reverse=True,
    )
)
NUMBER_RE = (
    r"(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(?:million|thousand))?"
    r"|(?:(?:" + _NUM_WORD + r")(?:[\s-](?:and\s)?(?:" + _NUM_WORD + r")){0,4})"
)
# A digit or the first two letters of a number word must follow the boundary (fast pre-check).
_NUM_GUARD = "|".join(sorted({w[:2] for w in _NUM_WORD.split("|")}))
_NUMBER = re.compile(r"\b(?=\d|" + _NUM_GUARD + r")(?:" + NUMBER_RE + r")\b", re.IGNORECASE)
# the same for lower-cased text (NUMBER_RE is lower-case), without re.IGNORECASE
_NUMBER_LOW = re.compile(_NUMBER.pattern)
_DIGITS = re.compile(r"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s?(million|thousand))?")
_WORD_SEP = re.compile(r"[\s-]+")


def parse_number(token: str) -> int | float | None:
    """'1,500' -> 1500, 'two' -> 2, 'five thousand' -> 5000, '2.5 million' -> 2500000."""
    t = token.strip().lower().replace("\u00a0", " ")
    if not t:
        return None
    m = _DIGITS.fullmatch(t)
    if m:
        val = float(m.group(1).replace(",", ""))
        if m.group(2):
            val *= _SCALES[m.group(2)]
        return int(val) if val == int(val) else val
    total = 0
    current = 0
    seen = False
    for word in _WORD_SEP.split(t):
        if word == "and" or not word:
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word in _SCALES:
            scale = _SCALES[word]
            current = max(current, 1) * scale
            if scale >= 1000:
                total += current
                current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def find_numbers(
    text: str, start: int = 0, end: int | None = None, *, lowered: bool = False
) -> list[tuple[int, int, int | float]]:
    """All numbers in text[start:end] as (start, end, value); `lowered`: text is lower-case."""
    out: list[tuple[int, int, int | float]] = []
    pat = _NUMBER_LOW if lowered else _NUMBER
    for m in pat.finditer(text, start, len(text) if end is None else end):
        val = parse_number(m.group(0))
        if val is not None and m.group(0).lower() not in {"a", "an"}:
            out.append((m.start(), m.end(), val))
    return out
