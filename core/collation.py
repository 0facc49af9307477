"""Chinese names sort by pinyin, the same way on PostgreSQL and on the embedded SQLite default.

PostgreSQL has ICU's ``zh-Hans-x-icu`` collation; name columns declare it (``db_collation``), so
``ORDER BY name`` and the indexes that serve it are in pinyin order. SQLite has no ICU: the same
collation name is registered on every SQLite connection (core.db.sqlite3, the engine the
settings use for SQLite) with a pinyin sort key from pypinyin, so the column definitions, the
queries and the order are the same on both.
"""

from __future__ import annotations

import functools

PINYIN_COLLATION = "zh-Hans-x-icu"


@functools.lru_cache(maxsize=65536)
def pinyin_key(value: str) -> tuple:
    """Sort key: digits and Latin letters first, then Han characters by pinyin (tone numbers), then the text."""
    from pypinyin import Style, pinyin

    key = []
    for char, syllables in zip(value, pinyin(value, style=Style.TONE3, errors=lambda text: list(text)), strict=False):
        if "\u4e00" <= char <= "\u9fff" or "\u3400" <= char <= "\u4dbf":
            key.append((1, syllables[0], char))
        else:
            key.append((0, char.casefold(), char))
    return (tuple(key), value)


def compare(a: str, b: str) -> int:
    ka, kb = pinyin_key(a), pinyin_key(b)
    return (ka > kb) - (ka < kb)
