"""Stable identifiers: paper ids from titles, entity slugs from names."""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=65536)
def fold_text(text: str) -> str:
    """Casefold, strip accents, and collapse every non-alphanumeric run to one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NON_ALNUM.sub(" ", stripped.casefold()).strip()


def paper_id(title: str, given: str | None = None) -> str:
    """The paper's given id, else ``p`` + a short hash of its folded title (stable across runs)."""
    if given is not None and str(given).strip():
        return str(given).strip()
    digest = hashlib.blake2b(fold_text(title).encode("utf-8"), digest_size=6).hexdigest()
    return f"p{digest}"


def slug(name: str) -> str:
    """A readable, IRI-safe slug: ``Direct Preference Optimization`` -> ``direct-preference-optimization``.

    Characters that would be lost (``+``, ``*``, ``@``) are spelled out so that ``C++`` and ``C``
    or ``Retro*`` and ``Retro`` keep different slugs.
    """
    spelled = name.replace("+", " plus ").replace("*", " star ").replace("@", " at ").replace("#", " sharp ")
    folded = fold_text(spelled).replace(" ", "-")
    if folded:
        return folded
    return "x" + hashlib.blake2b(name.encode("utf-8"), digest_size=4).hexdigest()
