"""Precomputed extractions (``kg build --extractions FILE``): the JSON Lines of ``kg extract``, read in step with
the papers, so that a build can skip extraction (the 200M-paper path: extract on a cluster, build from that).

``kg extract`` writes one line per paper, in input order, each id once (the first occurrence wins): the same order
as the papers of ``read_papers`` over the same inputs. Lines are checked against the papers one by one; any
mismatch stops with ``FILE:LINE: ...``. A line may carry ``full_name``, ``extractor`` and ``gazetteer_key`` per
entity (what resolution needs); today's ``kg extract`` lines lack them, so they are recovered: the gazetteer entry
from the name, the long form from the mention written before ``(SHORT)`` in its sentence, the extractor from
those (see ``docs/incremental.md``: exact when the lines carry the fields).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from kg.errors import InputError
from kg.extract.gazetteer import Gazetteer
from kg.types import ExtractedEntity, Mention, Paper, PaperExtraction

_SAME_INPUTS = "give the 'kg extract' output of the same inputs"


class ExtractionReader:
    """Reads ``kg extract`` lines for batches of papers, in order."""

    def __init__(self, path: str | Path, gazetteer: Gazetteer | None) -> None:
        self.path = Path(path)
        self.gazetteer = gazetteer
        self.line = 0
        self.recovered = 0  # entities whose resolution fields were recovered, not read
        try:
            self.file: IO[str] = self.path.open(encoding="utf-8")
        except OSError as exc:
            raise InputError(str(self.path), None, f"cannot read extractions: {exc.strerror}") from None

    def close(self) -> None:
        self.file.close()

    def take(self, papers: Sequence[Paper]) -> dict[str, PaperExtraction]:
        """The extractions of ``papers`` (the next lines of the file, same ids in the same order)."""
        found: dict[str, PaperExtraction] = {}
        for paper in papers:
            row = self._next_row(paper)
            found[paper.id] = PaperExtraction(paper.id, [self._entity(item) for item in row.get("entities") or []])
        return found

    def finish(self) -> None:
        """Fail when lines are left over (extractions of papers that are not in the inputs)."""
        for text in self.file:
            self.line += 1
            if text.strip():
                raise InputError(str(self.path), self.line, f"more extractions than papers; {_SAME_INPUTS}")

    def _next_row(self, paper: Paper) -> dict[str, Any]:
        while True:
            text = self.file.readline()
            if not text:
                raise InputError(
                    str(self.path),
                    self.line + 1,
                    f"no extraction for paper {paper.id!r} ({paper.source}); {_SAME_INPUTS}",
                )
            self.line += 1
            if text.strip():
                break
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(str(self.path), self.line, f"not valid JSON ({exc.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("entities", []), list):
            raise InputError(str(self.path), self.line, "expected an object with 'id' and 'entities'")
        if str(row.get("id")) != paper.id:
            raise InputError(
                str(self.path),
                self.line,
                f"extraction of {row.get('id')!r} where paper {paper.id!r} ({paper.source}) was expected; "
                f"{_SAME_INPUTS}, in the same order",
            )
        return row

    def _entity(self, item: dict[str, Any]) -> ExtractedEntity:
        try:
            mentions = [
                Mention(str(m["text"]), m["field"], int(m["start"]), int(m["end"]), str(m["sentence"]))
                for m in item["mentions"]
            ]
            entity = ExtractedEntity(
                name=str(item["name"]),
                type=item["type"],
                generic=bool(item["generic"]),
                role=item["role"],
                confidence=float(item["confidence"]),
                mentions=mentions,
                full_name=item.get("full_name"),
                extractor=str(item.get("extractor") or "gazetteer"),
                gazetteer_key=item.get("gazetteer_key"),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(str(self.path), self.line, f"bad entity ({type(exc).__name__}: {exc})") from None
        if "extractor" not in item:
            self._recover(entity)
        return entity

    def _recover(self, entity: ExtractedEntity) -> None:
        """Resolution fields that today's ``kg extract`` lines leave out, recovered as extraction sets them."""
        self.recovered += 1
        entry = self.gazetteer.lookup(entity.name) if self.gazetteer is not None else None
        long_form = _long_form(entity)
        entity.gazetteer_key = entry.key if entry is not None else None
        entity.full_name = (entry.full_name if entry is not None else None) or long_form
        entity.extractor = "gazetteer" if entry is not None else "abbreviation" if long_form else "shape"


def _long_form(entity: ExtractedEntity) -> str | None:
    """The mention written as ``LONG FORM (SHORT)`` in its sentence, SHORT being another mention, if any."""
    texts = {mention.text for mention in entity.mentions} | {entity.name}
    for mention in entity.mentions:
        for short in texts:
            if len(short) < len(mention.text) and f"{mention.text} ({short}" in mention.sentence:
                return mention.text
    return None
