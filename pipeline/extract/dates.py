"""Date expressions resolved against a reference date (publication, dateline or ingestion)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5,
    "sunday": 6,
}  # fmt: skip
_SEASON_END = {"spring": 5, "summer": 8, "autumn": 11, "fall": 11, "winter": 2}

_MON = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)(?![A-Za-z])"
)
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)(?![A-Za-z])"
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"

# The lookahead lists every way an alternative below can begin: the engine then skips most
# word starts at once instead of trying a dozen month/weekday alternations at each.
_DATE = re.compile(
    r"\b(?=[0-9]|[ADFJMNOSTWY][a-z]|the\s|end\s|early|late|mid|next|last|this|coming|today"
    r"|tonight|tomorrow|yesterday|spring|summer|autumn|fall|winter|northern|southern|within"
    r"|over\s|in\s|[Ww]ithin|[Oo]ver\s|[Ii]n\s|an?\s|[Aa]n?\s|one|two|three|four|five|six|seven"
    r"|eight|nine|ten|[Oo]ne|[Tt]wo|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix)(?:"
    # "two weeks ago", "a month ago": back from the reference day
    r"(?P<n14>\d{1,3}|an?|one|two|three|four|five|six|seven|eight|nine|ten|[Aa]n?|[Oo]ne|[Tt]wo"
    r"|[Tt]hree|[Ff]our|[Ff]ive|[Ss]ix)\s+(?P<unit14>days?|weeks?|months?|years?)\s+ago\b"
    r"|"
    # "within 60 days", "over the next two months": a span ahead, whose end is a deadline
    r"(?:[Ww]ithin\s+(?:the\s+)?(?:(?:next|coming)\s+)?|(?:[Oo]ver|[Ii]n)\s+the\s+(?:next|coming)\s+)"
    r"(?P<n13>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twelve|eighteen)"
    r"\s+(?P<unit13>days|weeks|months|years)\b"
    r"|"
    rf"(?P<wd1>{_WD}),?\s+(?:the\s+)?(?P<m1>{_MON})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>{_YEAR}))?"
    rf"|(?P<m2>{_MON})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>{_YEAR}))?"
    rf"|(?P<d3>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m3>{_MON})(?:,?\s+(?P<y3>{_YEAR}))?"
    rf"|(?P<iy>{_YEAR})-(?P<im>\d\d)-(?P<id>\d\d)"
    r"|(?:the\s+)?end\s+of\s+(?:(?P<rel4>this|next|the)\s+)?(?P<unit4>year|month)"
    rf"|(?:the\s+)?end\s+of\s+(?P<m5>{_MON})(?:,?\s+(?P<y5>{_YEAR}))?"
    rf"|(?:the\s+)?end\s+of\s+(?P<y6>{_YEAR})"
    rf"|(?:(?:northern|southern)\s+)?(?P<season>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)\s+(?:of\s+)?(?P<y7>{_YEAR})"
    rf"|(?P<m8>{_MON})(?:,?\s+(?:of\s+)?(?P<y8>{_YEAR}))?"
    r"|(?P<rel9>next|last|this|coming)\s+(?P<unit9>month|year|week)"
    r"|(?P<deictic>today|yesterday|tonight|tomorrow|[Tt]oday|[Yy]esterday|[Tt]omorrow)"
    rf"|(?P<wd11>{_WD})"
    rf"|(?:(?:late|early|mid-?|the\s+end\s+of)\s*)?(?P<y12>{_YEAR})(?![\d,])"
    r")"
)
_BY_BEFORE = re.compile(
    r"(?:\bby|\bbefore|\buntil|\btill|\bno later than|\bdeadline(?: of)?|\bdue|\bwithin)"
    r"\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_MONTH_PREP = re.compile(r"\b(?:in|by|since|until|of|during|from|early|late|mid)\s+$")
# "the Aug. 31 deadline", "the August 31 date for the withdrawal", "a 2014 target"
_DEADLINE_AFTER = re.compile(
    r"\s+(?:\w+\s+){0,1}(?:deadline|target date|date|timeline)\b", re.IGNORECASE
)
_OPEN_ENDED = re.compile(r"\b(?:more than|over|at least|upwards of)\s+$", re.IGNORECASE)
_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "twelve": 12, "eighteen": 18,
}  # fmt: skip
_NOT_YEAR_AFTER = re.compile(
    r"\s*(?:troops|soldiers|people|men|km|kilometres|dead|\w+-strong)", re.I
)


@dataclass(frozen=True, slots=True)
class DateExpr:
    start: int
    end: int
    value: date
    precision: str  # day | month | year
    is_by: bool  # introduced by "by/before/until/deadline"
    explicit_year: bool


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _closest_year(ref: date, month: int, day: int | None, prefer_future: bool) -> int:
    best_year = ref.year
    best_key: tuple[float, int] | None = None
    for y in (ref.year - 1, ref.year, ref.year + 1):
        try:
            d = date(y, month, day) if day else month_end(y, month)
        except ValueError:
            continue
        delta = (d - ref).days
        dist = abs(delta) - (30 if prefer_future and delta >= 0 else 0)
        key = (dist, 0 if delta >= 0 else 1)
        if best_key is None or key < best_key:
            best_key, best_year = key, y
    return best_year


def _month(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def _safe_date(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def find_dates(
    text: str,
    start: int,
    end: int,
    ref: date,
    weekday_anchor: dict[int, date] | None = None,
) -> list[DateExpr]:
    """Date expressions in text[start:end], resolved against `ref`."""
    out: list[DateExpr] = []
    for m in _DATE.finditer(text, start, end):
        g = m.groupdict()
        value: date | None = None
        precision = "day"
        explicit = False
        try:
            if g["m1"] or g["m2"] or g["m3"]:
                mon = _month(g["m1"] or g["m2"] or g["m3"])
                day = int(g["d1"] or g["d2"] or g["d3"])
                yr = g["y1"] or g["y2"] or g["y3"]
                if yr:
                    explicit = True
                    value = _safe_date(int(yr), mon, day)
                else:
                    by = bool(_BY_BEFORE.search(text, max(0, m.start() - 25), m.start()))
                    value = _safe_date(_closest_year(ref, mon, day, by), mon, day)
            elif g["n13"]:
                n = _NUMBER_WORDS.get(g["n13"], 0) or int(g["n13"])
                unit = g["unit13"]
                if unit in ("days", "weeks"):
                    value = ref + timedelta(days=n * (7 if unit == "weeks" else 1))
                elif unit == "months":
                    precision = "month"
                    y, mo = divmod(ref.month - 1 + n, 12)
                    value = month_end(ref.year + y, mo + 1)
                else:
                    precision = "year"
                    value = date(ref.year + n, 12, 31)
            elif g["n14"]:
                if _OPEN_ENDED.search(text, max(0, m.start() - 15), m.start()):
                    continue  # "more than a week ago": no day
                word = g["n14"].lower()
                n = 1 if word in ("a", "an") else _NUMBER_WORDS.get(word, 0) or int(word)
                unit = g["unit14"].rstrip("s")
                if unit in ("day", "week"):
                    value = ref - timedelta(days=n * (7 if unit == "week" else 1))
                elif unit == "month":
                    precision = "month"
                    y, mo = divmod(ref.month - 1 - n, 12)
                    value = month_end(ref.year + y, mo + 1)
                else:
                    precision = "year"
                    value = date(ref.year - n, 12, 31)
            elif g["iy"]:
                explicit = True
                value = _safe_date(int(g["iy"]), int(g["im"]), int(g["id"]))
            elif g["unit4"]:
                precision = "month"
                if g["unit4"] == "year":
                    value = date(ref.year + (1 if g["rel4"] == "next" else 0), 12, 31)
                else:
                    y, mo = ref.year, ref.month + (1 if g["rel4"] == "next" else 0)
                    if mo > 12:
                        y, mo = y + 1, 1
                    value = month_end(y, mo)
            elif g["m5"]:
                precision = "month"
                mon = _month(g["m5"])
                if g["y5"]:
                    explicit = True
                    value = month_end(int(g["y5"]), mon)
                else:
                    value = month_end(_closest_year(ref, mon, None, True), mon)
            elif g["y6"]:
                precision, explicit = "month", True
                value = date(int(g["y6"]), 12, 31)
            elif g["season"]:
                precision, explicit = "month", True
                yr_i = int(g["y7"])
                mon = _SEASON_END[g["season"].lower()]
                value = month_end(yr_i + (1 if mon == 2 else 0), mon)
            elif g["m8"]:
                tok = g["m8"]
                # "May" the modal / "march" the verb are lower-case; capitalised at a
                # sentence start they are ambiguous: require a preposition before.
                if (
                    tok in {"May", "March", "Mar", "Mar."}
                    and not g["y8"]
                    and not _MONTH_PREP.search(text[max(0, m.start() - 10) : m.start()])
                ):
                    continue
                precision = "month"
                mon = _month(tok)
                if g["y8"]:
                    explicit = True
                    value = month_end(int(g["y8"]), mon)
                else:
                    by = bool(_BY_BEFORE.search(text, max(0, m.start() - 25), m.start()))
                    value = month_end(_closest_year(ref, mon, None, by), mon)
            elif g["unit9"]:
                rel, unit = g["rel9"].lower(), g["unit9"]
                step = {"next": 1, "coming": 1, "last": -1, "this": 0}[rel]
                if unit == "month":
                    precision = "month"
                    y, mo = ref.year, ref.month + step
                    if mo > 12:
                        y, mo = y + 1, 1
                    elif mo < 1:
                        y, mo = y - 1, 12
                    value = month_end(y, mo)
                elif unit == "year":
                    precision = "year"
                    value = date(ref.year + step, 12, 31)
                else:
                    value = ref + timedelta(days=7 * step)
            elif g["deictic"]:
                word = g["deictic"].lower()
                value = ref + timedelta(
                    days={"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[word]
                )
            elif g["wd11"]:
                wd = WEEKDAYS[g["wd11"].lower()]
                if weekday_anchor and wd in weekday_anchor:
                    value = weekday_anchor[wd]
                else:
                    back = (ref.weekday() - wd) % 7
                    value = ref - timedelta(days=back)
            elif g["y12"]:
                if _NOT_YEAR_AFTER.match(text, m.end()):
                    continue
                precision, explicit = "year", True
                value = date(int(g["y12"]), 12, 31)
        except (ValueError, KeyError, OverflowError):
            value = None
        if value is None:
            continue
        is_by = (
            bool(g["n13"])
            or bool(_BY_BEFORE.search(text, max(0, m.start() - 25), m.start()))
            or bool(_DEADLINE_AFTER.match(text, m.end(), min(len(text), m.end() + 30)))
        )
        out.append(DateExpr(m.start(), m.end(), value, precision, is_by, explicit))
    return out


_DATELINE = re.compile(
    rf"^\W*(?:[A-Z][A-Za-z .,'-]{{0,40}}[,:—–-]\s*)?(?:(?:{_WD}),?\s+)?"
    rf"(?:(?P<m1>{_MON})\s+(?P<d1>\d{{1,2}}),?\s+(?P<y1>{_YEAR})"
    rf"|(?P<d2>\d{{1,2}})\s+(?P<m2>{_MON}),?\s+(?P<y2>{_YEAR})"
    rf"|(?P<iy>{_YEAR})-(?P<im>\d\d)-(?P<id>\d\d))"
)


def find_dateline(body: str) -> date | None:
    """A date at the very top of an article ("September 19, 2021", "KABUL, 19 Sept 2021")."""
    m = _DATELINE.match(body[:200])
    if not m:
        return None
    g = m.groupdict()
    try:
        if g["iy"]:
            return date(int(g["iy"]), int(g["im"]), int(g["id"]))
        mon = _month(g["m1"] or g["m2"])
        return date(int(g["y1"] or g["y2"]), mon, int(g["d1"] or g["d2"]))
    except (ValueError, KeyError):
        return None


_WD_MON = re.compile(rf"{_WD},?\s+(?:the\s+)?{_MON}")


def weekday_anchors(text: str, ref: date) -> dict[int, date]:
    """Explicit "Monday, July 12" dates in an article: a later bare "Monday" means that day."""
    anchors: dict[int, date] = {}
    limit = min(len(text), 50_000)
    # Only the "Monday, July 12" spots are parsed, not the whole article.
    for wm in _WD_MON.finditer(text, 0, limit):
        for d in find_dates(text, wm.start(), min(limit, wm.start() + 60), ref):
            if d.start != wm.start() or d.precision != "day":
                continue
            frag = text[d.start : d.end].split(",")[0].strip().lower()
            # a day after the reference (an update appended later) anchors nothing: the
            # article's bare weekdays are still read against its own date
            if frag in WEEKDAYS and d.value.weekday() == WEEKDAYS[frag] and d.value <= ref:
                anchors.setdefault(WEEKDAYS[frag], d.value)
    return anchors
