"""Recorded AMI transcripts replayed through the reader and translation: the clean ones
give their golden sequence of events, and faults made of them drop only the bad frames.

The golden files (tests/data/ami/*.golden.json) are rewritten by
`python -m tests.support.faults.ami_transcripts --golden`; read the diff before committing it.
"""

from __future__ import annotations

import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.faults.ami_transcripts import (
    DATA,
    MALFORMED,
    ProtocolReplay,
    as_record,
    faulty_streams,
    on_the_wire,
    transcript,
    transcripts,
)


def _chunks(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(points)]


def test_there_are_recorded_transcripts() -> None:
    assert transcripts(), f"no *.ami transcript in {DATA}"


@pytest.mark.parametrize("name", transcripts())
def test_a_recorded_transcript_translates_into_its_golden_sequence(name: str) -> None:
    golden = json.loads((DATA / name).with_suffix(".golden.json").read_text())
    replay = ProtocolReplay()
    replay.feed(on_the_wire(transcript(name)))
    assert [as_record(event) for event in replay.events] == golden
    assert replay.malformed.count == 0


@pytest.mark.parametrize("name", transcripts())
@given(cuts=st.lists(st.integers(min_value=0), max_size=40))
@settings(max_examples=30)
def test_a_recorded_transcript_read_in_any_pieces_gives_the_same_events(
    name: str, cuts: list[int]
) -> None:
    whole = ProtocolReplay()
    data = on_the_wire(transcript(name))
    whole.feed(data)
    pieces = ProtocolReplay()
    pieces.feed(*_chunks(data, cuts))
    assert pieces.events == whole.events


@pytest.mark.parametrize("name", transcripts())
@given(data=st.data(), cuts=st.lists(st.integers(min_value=0), max_size=20))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
def test_faults_in_a_recorded_transcript_drop_and_count_only_the_bad_frames(
    name: str, data: st.DataObject, cuts: list[int]
) -> None:
    wire, expected = data.draw(faulty_streams(transcript(name)))
    replay = ProtocolReplay()
    replay.feed(*_chunks(on_the_wire(wire), cuts))
    assert replay.events == [e for e in expected if e is not None and e != MALFORMED]
    assert replay.malformed.count == expected.count(MALFORMED)
    assert not replay.transport.closed
