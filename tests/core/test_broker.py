"""The embedded broker (core/broker.py): a message is never visible half-written, and an unreadable
message file is set aside instead of stopping the worker."""

import os
from queue import Empty

import pytest
from kombu import Connection

import core.broker as broker


@pytest.fixture
def channel(tmp_path):
    queue = tmp_path / "queue"
    for name in ("queue", "processed", "control"):
        (tmp_path / name).mkdir()
    options = {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }
    broker.register()
    with Connection("portalfs://", transport_options=options) as connection:
        yield connection.default_channel, queue


def test_the_alias_resolves_to_the_atomic_transport(channel):
    assert isinstance(channel[0], broker.Channel)


def test_a_message_goes_round(channel):
    chan, _queue = channel
    chan._put("q1", {"body": "幼儿园", "n": 1})
    chan._put("q1", {"body": "second", "n": 2})
    assert chan._get("q1")["n"] == 1
    assert chan._get("q1")["n"] == 2
    with pytest.raises(Empty):
        chan._get("q1")


def test_no_reader_sees_a_message_before_it_is_complete(channel, monkeypatch):
    """Between creating the file and finishing it, the queue folder holds no file a reader would take."""
    chan, queue = channel
    seen = []
    real_replace = os.replace

    def replace(src, dst):
        seen.append(sorted(os.listdir(queue)))
        # what kombu's reader would take at this instant: none
        with pytest.raises(Empty):
            chan._get("q1")
        return real_replace(src, dst)

    monkeypatch.setattr(broker.os, "replace", replace)
    chan._put("q1", {"n": 1})
    assert seen and all(not name.endswith(".q1.msg") for name in seen[0])
    monkeypatch.undo()
    assert chan._get("q1") == {"n": 1}
    assert [name for name in os.listdir(queue) if name.endswith(".partial")] == []


def test_an_unreadable_message_is_set_aside_and_the_next_one_delivered(channel):
    chan, queue = channel
    empty, garbage = f"{0:020d}_empty.q1.msg", f"{1:020d}_garbage.q1.msg"  # older than any sent now
    (queue / empty).write_bytes(b"")
    (queue / garbage).write_bytes(b"\x00{not json")
    chan._put("q1", {"n": 3})
    assert chan._get("q1") == {"n": 3}
    assert sorted(os.listdir(queue / "rejected")) == [empty, garbage]
    with pytest.raises(Empty):
        chan._get("q1")


def test_other_queues_messages_stay(channel):
    chan, queue = channel
    chan._put("q2", {"n": 9})
    with pytest.raises(Empty):
        chan._get("q1")
    assert chan._get("q2") == {"n": 9}
