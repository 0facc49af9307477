"""The embedded broker: kombu's filesystem transport, made safe for a worker and a web process at once.

kombu's own transport creates a message file under its final name and writes it afterwards; a worker
polling the folder between the two moves the still-empty file away, fails to decode it and stops with
"Unrecoverable error" (seen in CI: the beat's second message of a pair arrived empty). Here a message
is written under a name no reader looks at and renamed into place when complete (``os.replace`` is
atomic within one folder), and a message file that still cannot be read (a crash of an older writer, a
disk fault) is set aside in a ``rejected`` folder beside the queue with a log line, instead of taking
the worker down.

``portalfs://`` is the broker URL (config/settings/base.py); the alias is registered when
``config.celery`` is imported, which every process that sends or runs tasks does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import uuid
from queue import Empty
from time import monotonic_ns

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)

ALIAS = "portalfs"
# Names a reader never takes: kombu's reader only looks at "<anything>.<queue>.msg" files.
PARTIAL_SUFFIX = ".partial"


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # Nanoseconds, zero-padded: names sort in the order they were sent (kombu used milliseconds).
        name = f"{monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}{PARTIAL_SUFFIX}")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _get(self, queue):
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            folder = self.processed_folder if self.store_processed else tempfile.gettempdir()
            try:
                shutil.move(os.path.join(self.data_folder_in, name), folder)
            except OSError:
                continue  # another worker took it
            taken = os.path.join(folder, name)
            try:
                with open(taken, "rb") as handle:
                    payload = handle.read()
            except OSError as exc:
                raise ChannelError(f"Cannot read file {taken!r} from queue.") from exc
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                self._reject(taken, name)
                continue
            if not self.store_processed:
                with contextlib.suppress(OSError):
                    os.remove(taken)
            return message
        raise Empty()

    def _reject(self, taken: str, name: str) -> None:
        rejected = os.path.join(self.data_folder_in, "rejected")
        os.makedirs(rejected, exist_ok=True)
        with contextlib.suppress(OSError):
            shutil.move(taken, os.path.join(rejected, name))
        logger.error("Unreadable message %s set aside in %s", name, rejected)


class Transport(filesystem.Transport):
    Channel = Channel
    driver_type = "filesystem"
    driver_name = "filesystem"


def register() -> None:
    TRANSPORT_ALIASES.setdefault(ALIAS, f"{__name__}:Transport")
