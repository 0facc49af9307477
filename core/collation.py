"""Chinese names sort by pinyin, the same way on PostgreSQL and on the embedded SQLite default.

PostgreSQL has ICU's ``zh-Hans-x-icu`` collation; name columns declare it (``db_collation``), so
``ORDER BY name`` and the indexes that serve it are in pinyin order. SQLite has no ICU: the same
collation name is registered on every SQLite connection (core.db.sqlite3, the engine the
settings use for SQLite) with a pinyin sort key from pypinyin, so the column definitions, the
queries and the order are the same on both.
"""

from __future__ import annotations

import functools
import gc

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
    """SQLite calls this in the middle of a statement, holding its shared cache's lock. A garbage
    collection started here (the first call loads pypinyin's dictionaries: many allocations) could
    finalise an abandoned connection to the same in-memory database, whose close waits for that very
    lock: the process hung (seen in the test suite, a worker thread's connection). No collection runs
    inside the callback; any that was due runs at the next allocation after it."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        ka, kb = pinyin_key(a), pinyin_key(b)
    finally:
        if enabled:
            gc.enable()
    return (ka > kb) - (ka < kb)


def warm_up() -> None:
    """Load pypinyin's dictionaries now, outside any SQLite callback (called when a connection opens)."""
    pinyin_key("幼儿园")
