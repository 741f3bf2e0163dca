"""The JSON API: ``GET /api/<verb>?name=...&since=...`` calls the query verb of ``kg.api`` with the build folder
and those parameters, and answers its rows as JSON. One line of ``VERBS`` per verb: its URL name and its
``kg.api`` name; the parameters are the function's own (``min-support`` or ``min_support``), converted by the
type its signature gives them."""

from __future__ import annotations

import dataclasses
import inspect
import json
from pathlib import Path
from typing import Any

from kg.errors import UsageError

VERBS: dict[str, str] = {  # URL name -> kg.api function (its first parameter: the build folder)
    "papers-using": "papers_using",
    "entity": "explain_entity",
    "evaluated-on": "evaluated_on",
    "methods-on": "methods_on",
    "used-with": "used_with",
    "trend": "trend",
    "new": "new_entities",
    "rising": "rising",
    "related": "related",
    "cites": "cites",
    "cited-by": "cited_by",
    "compare": "compare",
}


def _function(verb: str) -> Any:
    import kg.api

    if verb not in VERBS:
        raise LookupError(f"no API verb {verb!r}; the verbs: {', '.join(sorted(VERBS))}")
    return getattr(kg.api, VERBS[verb])


def _convert(name: str, annotation: str, value: str) -> Any:
    """A query-string value as the type the verb's signature names (its annotations are strings)."""
    kind = annotation.replace(" ", "")
    try:
        if kind.startswith("int"):
            return int(value)
        if kind.startswith("float"):
            return float(value)
    except ValueError:
        raise UsageError(f"parameter {name}: {value!r} is not a number") from None
    if kind.startswith("bool"):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if kind.startswith("tuple"):  # relations=USES,EVALUATES_ON
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def call(folder: Path, verb: str, params: dict[str, str]) -> Any:
    """Call ``verb`` on ``folder`` with the query parameters ``params`` (checked against its signature)."""
    function = _function(verb)
    signature = inspect.signature(function)
    accepted = list(signature.parameters)[1:]
    kwargs: dict[str, Any] = {}
    for key, value in params.items():
        name = key.replace("-", "_")
        if name not in accepted:
            shown = ", ".join(p.replace("_", "-") for p in accepted)
            raise UsageError(f"{verb} takes no parameter {key!r}; it takes {shown}")
        kwargs[name] = _convert(key, str(signature.parameters[name].annotation), value)
    missing = [
        p.replace("_", "-")
        for p in accepted
        if signature.parameters[p].default is inspect.Parameter.empty and p not in kwargs
    ]
    if missing:
        raise UsageError(f"{verb} needs the parameter(s) {', '.join(missing)}")
    return function(folder, **kwargs)


def to_json(value: Any) -> bytes:
    """The JSON of a verb's answer: dataclasses as objects, tuples and sets as lists."""

    def plain(item: Any) -> Any:
        if dataclasses.is_dataclass(item) and not isinstance(item, type):
            return {f.name: plain(getattr(item, f.name)) for f in dataclasses.fields(item)}
        if isinstance(item, dict):
            return {str(k): plain(v) for k, v in item.items()}
        if isinstance(item, list | tuple | set | frozenset):
            return [plain(v) for v in (sorted(item) if isinstance(item, set | frozenset) else item)]
        if isinstance(item, Path):
            return str(item)
        return item

    return json.dumps(plain(value), ensure_ascii=False).encode("utf-8") + b"\n"
