"""Numbers as abstracts write them: ``1,000.5``, ``350{,}757``, ``1.5k``, ``93.2±0.4``, ``8%∼13%``, ``from 41.2 to
57.9``, ``58.9 rightarrow 61.7``, ``27.69/32.24``, ``15.9\\%``, ``$\\sim$5%``, ``−4.9%``.

``scan_numbers`` finds every number of a stretch of text and parses what it can; a number that cannot be a
result gets a ``reason`` (a year, a size like ``7B``, a range, an approximate or bounded value, a number inside
a name such as ``CIFAR-10``, text garbled by PDF extraction, ...), so that the results extractor skips it and
counts why, and never turns it into a wrong value. The text is never changed: ``text[start:end]`` is the number
as written, unit and sign included.

The cue words (what makes a value approximate, a bound, a size, ...) are data: ``pipelines/rules/results.json``.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass, field

from kg.extract.gazetteer import PIPELINES_DIR

RULES_FILE = PIPELINES_DIR / "rules" / "results.json"

# reasons a number is not a result value (counted by the extractor; docs/results.md lists them)
YEAR = "year"
SIZE = "size"
FACTOR = "factor"
QUANTITY = "quantity"
RANGE = "range"
APPROXIMATE = "approximate"
BOUND = "bound"
IN_NAME = "in-name"
MALFORMED = "malformed"
LABEL = "label"
INTEGER = "integer"  # a bare integer without a unit: a count, unless a rank or metric cue says otherwise


@functools.cache
def rules() -> dict[str, list[str]]:
    """The cue lists of ``pipelines/rules/results.json``."""
    data = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return {key: value for key, value in data.items() if not key.startswith("_")}


def words_pattern(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation of cue words, longest first; ``word*`` is a prefix; whole words where they are words.

    The alternation opens with a lookahead on the words' first characters: the regex engine tries an alternation
    at every position of a search, and one character test there is three times faster than trying every word."""
    parts = []
    firsts = set()
    for word in sorted(words, key=lambda w: (-len(w), w)):
        if not word:
            continue
        firsts.add(r"\s" if word[0].isspace() else re.escape(word[0]))
        prefix = word.endswith("*") and len(word) > 1
        core = re.escape(word[:-1] if prefix else word).replace(r"\ ", r"\s+")
        starts = bool(re.match(r"\w", word))
        ends = bool(re.search(r"\w\*?$", word))
        parts.append((r"\b" if starts else "") + core + (r"\w*" if prefix else (r"\b" if ends else "")))
    return f"(?=[{''.join(sorted(firsts))}])(?:{'|'.join(parts)})" if parts else ""


@dataclass(slots=True)
class Number:
    """One number of the text: ``text[start:end]`` as written (sign and unit included), parsed."""

    start: int
    end: int
    value: float  # as written, unit not applied (15.9 for "15.9%"), thousands separators and k/M/B read
    raw: str  # the digits as written
    unit: str | None = None  # "%", "points", "x", or None
    sign: str | None = None  # "+" or "-" when written
    error: float | None = None  # the ± part
    reason: str | None = None  # why this number cannot be a result value (None: it may be one)
    pair: str | None = None  # "from" / "to": the two ends of a change ("from 41.2 to 57.9", "58.9 → 61.7")
    partner: Number | None = None  # the other end of the change
    group: int = -1  # numbers written as one list ("51.1% and 81.6%", "27.69/32.24") share a group
    index: int = 0  # place in the group
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_decimal(self) -> bool:
        return "." in self.raw


_DIGITS = r"(?:\d{1,3}(?:(?:,|\{,\})\d{3})+(?:\.\d+)?|\d+\.\d+|\d+|\.\d+)"
_NUMBER = re.compile(rf"(?P<sign>[+\-−–]|\+/-)?\s?(?P<digits>{_DIGITS})")
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"\s?(?:\\%|%|\s?(?:percent|per cent)\b)")
_PLUS_MINUS = re.compile(rf"\s?(?:±|\+/-|\+-|\$\\pm\$|\\pm)\s?(?P<error>{_DIGITS})(?:\s?(?:\\%|%))?")
_GARBLED_TAIL = re.compile(r"\.\s+[lI|]\s?%|\(/|\s?~\s?\.")  # "95. l%", "5.1(/~.": PDF-extraction debris
_HYPHEN_UNIT = re.compile(r"-(?:points?|pp|percent|percentage-points?)\b", re.IGNORECASE)
_ASSIGNMENT = re.compile(
    r"(?:^|[\s(,])(?:[A-Za-zα-ωΑ-Ω]\w?|\\[a-z]+|\$\\[a-z]+\$?)\s?(?:=|:=)\s?\$?$"
)  # "λ = 0.1", "k=16"
_NAME_BEFORE = re.compile(r"(?:[A-Za-z_@#\\^]|[A-Za-z][-–.]|\d[.,])$")  # "R@1", "GPT-4", "v1.5", "1.2.3" ("$" is math)


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    r = rules()
    return dict(
        approximate=re.compile(rf"(?:{words_pattern(r['approximate'])})\s*$", re.IGNORECASE),
        bound=re.compile(rf"(?:{words_pattern(r['bound'])})\s*$", re.IGNORECASE),
        scale=re.compile(rf"^\s?(?:{words_pattern(r['scale_suffixes'])})(?![\w-])"),
        factor=re.compile(rf"^\s?(?:{words_pattern(r['factor_suffixes'])})(?![A-Za-z])"),
        time=re.compile(rf"^\s?(?:{words_pattern(r['time_units'])})(?![A-Za-z])"),
        points=re.compile(rf"^\s?(?:{words_pattern(r['point_units'])})", re.IGNORECASE),
        ordinal=re.compile(rf"^(?:{words_pattern(r['ordinal_suffixes'])})\b"),
        label=re.compile(rf"(?:{words_pattern(r['not_results_before'])})\s*$", re.IGNORECASE),
        arrow=re.compile(rf"^\s*(?:{words_pattern(r['arrows'])})\s*$"),
        range_joiner=re.compile(rf"^\s*(?:{words_pattern(r['range_joiners'])})\s*$"),
    )


def parse_digits(raw: str) -> float:
    """``1,000.5`` -> 1000.5, ``350{,}757`` -> 350757, ``.5`` -> 0.5."""
    return float(raw.replace("{,}", "").replace(",", ""))


def scan_numbers(text: str, start: int = 0, end: int | None = None) -> list[Number]:
    """Every number in ``text[start:end]``, in order, parsed, with a ``reason`` on those that are no result."""
    end = len(text) if end is None else end
    found: list[Number] = []
    patterns = _patterns()
    position = start
    while True:
        # the next digit first (a one-character scan at C speed), then the number around it: _NUMBER opens with
        # an optional sign and space, which the regex engine would try at every position of the text (5x slower);
        # a number starts at most 5 characters before its first digit ("+/- .5"), so the match is the same
        digit = _DIGIT.search(text, position, end)
        if digit is None:
            break
        match = _NUMBER.search(text, max(position, digit.start() - 5), end)
        if match is None:
            break
        position = match.end()
        sign, raw = match.group("sign"), match.group("digits")
        at = match.start("digits")
        before = text[max(start, at - 2) : at]
        if sign:
            sign_at = match.start("sign")
            glued = text[max(start, sign_at - 1) : sign_at]
            if glued and (glued.isalnum() or glued in ")]%-–"):
                sign = None  # "CIFAR-10", "x-1", "2%-4%": a hyphen, not a sign
        number_start = match.start("sign") if sign else at
        if not sign and _in_name(before):
            # part of a name or an identifier: CIFAR-10, GPT-4o, R@1, v1.5, Qwen2.5 (or the tail of 1.2.3)
            found.append(Number(number_start, match.end(), _safe(raw), raw, reason=IN_NAME))
            continue
        negative = sign in ("-", "−", "–")
        number = Number(
            number_start, match.end(), -_safe(raw) if negative else _safe(raw), raw, sign="-" if negative else sign
        )
        if number.value != number.value:  # NaN: not parseable
            number.reason = MALFORMED
            found.append(number)
            continue
        tail = text[match.end() : min(end, match.end() + 24)]
        after_letter = re.match(r"[A-Za-z]", tail)
        if _GARBLED_TAIL.match(tail):
            number.reason = MALFORMED
        elif (p := _HYPHEN_UNIT.match(tail)) is not None:  # "a 5.2-point gain", "a 3-percent drop"
            number.unit = "%" if "percent" in p.group() else "points"
            number.end += p.end()
        elif (p := patterns["points"].match(tail)) is not None:
            number.unit = "points"
            number.end += p.end()
        elif (p := _PERCENT.match(tail)) is not None:
            number.unit = "%"
            number.end += p.end()
        elif patterns["ordinal"].match(tail):
            number.extra["ordinal"] = tail[:2]
            number.end += 2
        elif patterns["scale"].match(tail):
            number.reason = SIZE
        elif patterns["factor"].match(tail):
            number.reason = FACTOR
        elif patterns["time"].match(tail):
            number.reason = QUANTITY
        elif after_letter and not re.match(r"[A-Za-z]{2,}", tail):
            number.reason = IN_NAME  # "3B", "4o", "1e-8": part of a name or a unit we do not read
        if number.reason is None:
            error = _PLUS_MINUS.match(text, number.end, end)
            if error is not None:
                number.error = _safe(error.group("error"))
                number.extra["error_text"] = error.group()
                number.end = position = error.end()
        if number.reason is None and not number.unit and not number.is_decimal and not number.extra:
            if 1900 <= number.value <= 2100 and len(raw) == 4:
                number.reason = YEAR
            else:
                number.reason = INTEGER
        if number.reason is None:
            left = text[max(start, number.start - 24) : number.start]
            if patterns["approximate"].search(left):
                number.reason = APPROXIMATE
            elif patterns["bound"].search(left):
                number.reason = BOUND
            elif (patterns["label"].search(left) or _ASSIGNMENT.search(left)) and not number.unit:
                number.reason = LABEL
        found.append(number)
    _link(text, found, patterns)
    return found


def _in_name(before: str) -> bool:
    return bool(before) and bool(_NAME_BEFORE.search(before))


def _safe(raw: str) -> float:
    try:
        return parse_digits(raw)
    except ValueError:
        return float("nan")


def _link(text: str, numbers: list[Number], patterns: dict[str, re.Pattern[str]]) -> None:
    """Ranges, changes ("from A to B", "A → B") and lists ("A and B", "A/B", "A (B)") between neighbours."""
    group = 0
    for left, right in itertools.pairwise(numbers):
        between = text[left.end : right.start]
        if left.group < 0:
            left.group = group
            group += 1
        if left.reason in (IN_NAME, MALFORMED) or right.reason in (IN_NAME, MALFORMED):
            continue
        lead = text[max(0, left.start - 10) : left.start].lower()
        if re.search(r"\bfrom\s*$", lead) and re.fullmatch(r"\s*(?:to|into|up to)\s*", between, re.IGNORECASE):
            _change(left, right)
            continue
        if patterns["arrow"].match(between):
            _change(left, right)
            continue
        if re.search(r"\bbetween\s*$", lead) and re.fullmatch(r"\s*and\s*", between):
            left.reason = right.reason = RANGE
            continue
        spaced_dash = (
            right.sign == "-" and re.fullmatch(r"\s+", between) and text[right.start + 1 : right.start + 2] == " "
        )
        ranged = (
            spaced_dash
            or re.fullmatch(r"\s?(?:-|–|—|--|∼|~|\$\\sim\$)\s?", between)
            or re.fullmatch(r"\s+to\s+", between)
        )
        if ranged and left.pair is None and (left.unit == right.unit or left.unit is None or right.unit is None):
            left.reason = right.reason = RANGE
            continue
        if re.fullmatch(r"\s?/\s?", between) or (
            re.fullmatch(r"\s?\(\s?", between) and text[right.end : right.end + 1] == ")"
        ):
            right.group, right.index = left.group, left.index + 1
            _share_unit(left, right)
            continue
        if re.fullmatch(r"\s?,\s?|\s?,?\s(?:and|or)\s|\s?,\s(?:and|or)\s", between):
            if left.unit and right.unit and left.unit != right.unit:
                continue  # "an accuracy of 81.5%, and 12.0 points more": two statements, not one list
            right.group, right.index = left.group, left.index + 1
            continue
    if numbers and numbers[-1].group < 0:
        numbers[-1].group = group
    # "from 1.79/1.58 to new records of 1.30/0.97": a change between two lists, end by end
    for left, right in itertools.pairwise(numbers):
        if left.pair or right.pair or left.group == right.group:
            continue
        if not _CHANGE_TO.fullmatch(text, left.end, right.start):
            continue
        lefts = [n for n in numbers if n.group == left.group]
        rights = [n for n in numbers if n.group == right.group]
        head = lefts[0]
        if len(lefts) == len(rights) and re.search(
            r"\bfrom\s*$", text[max(0, head.start - 10) : head.start], re.IGNORECASE
        ):
            for a, b in zip(lefts, rights, strict=True):
                _change(a, b)
    for number in numbers:  # "12/34" after a rank word: a rank out of a field of 34, not two values
        if number.index == 1 and text[number.start - 1 : number.start] == "/" and number.unit is None:
            number.extra["of"] = "1"


_CHANGE_TO = re.compile(
    r"\s*(?:to|into)\s+(?:(?:new|a|an|the|record|records|state-of-the-art|only|just)\s+){0,4}(?:of\s+)?", re.IGNORECASE
)


def _change(left: Number, right: Number) -> None:
    left.pair, right.pair = "from", "to"
    left.partner, right.partner = right, left
    _share_unit(left, right)


def _share_unit(left: Number, right: Number) -> None:
    """ "1.79/1.58", "51.9\\% rightarrow 67.8\\%", "(StrategyQA 58.9 → 61.7 acc.)": both ends have one unit."""
    unit = left.unit or right.unit
    for number in (left, right):
        if number.unit is None and unit is not None and number.reason in (None, INTEGER):
            number.unit = unit
            if number.reason == INTEGER:
                number.reason = None
