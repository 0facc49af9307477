"""Developer and demo settings: the embedded default (SQLite, no Redis needed)."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
