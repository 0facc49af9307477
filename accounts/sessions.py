"""Sessions: Django's ``cached_db`` (read from the cache, written through to the database), reading
the signed-in user's cached entry (accounts.backends) in the same round trip.

Every signed-in request read the session from Redis, then the user (core.cache: the entry and the
generations it was built under): two round trips, a tenth of a record page's CPU. The session's
data names its user, so each process notes, per session key, whose it was the last time it read
it; the next time, the session and that user's keys are read together (one ``get_many``) and the
user's part is handed to ``core.cache.lookup`` for this request only (``read_ahead``). Nothing is
trusted from the note: the session is read as it is now, the user's entry is checked against the
generations read with it, and if the session now names someone else the read-ahead is simply not
used. A process keeps at most ``MAX_NOTED`` notes.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from core.cache import keys_for, read_ahead

MAX_NOTED = 20_000
_whose: dict[str, str] = {}


def user_cache_keys(user_id) -> list[str]:
    from accounts.backends import user_cache_entry

    return keys_for(*user_cache_entry(user_id))


class SessionStore(cached_db.SessionStore):
    def load(self):
        user_id = _whose.get(self.session_key) if self.session_key else None
        if user_id is None or settings.USER_CACHE_SECONDS <= 0:
            data = super().load()
        else:
            ahead = user_cache_keys(user_id)
            try:
                found = self._cache.get_many([self.cache_key, *ahead])
            except Exception:  # as cached_db: a key the cache refuses is a session to read from the database
                found = {}
            data = found.pop(self.cache_key, None)
            read_ahead(ahead, found)
            if data is None:
                data = super().load()  # not in the cache: the database's, put back in the cache
        self._note(data)
        return data

    def _note(self, data) -> None:
        user_id = data.get(SESSION_KEY) if data else None
        if self.session_key and user_id is not None and _whose.get(self.session_key) != user_id:
            if len(_whose) >= MAX_NOTED:
                _whose.clear()
            _whose[self.session_key] = user_id
