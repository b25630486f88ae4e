"""_kit.utterances: rows of fields validated together give what Utterance(**row) gives."""

from __future__ import annotations

from callswitch import Utterance, UtteranceRole
from callswitch._kit import UtteranceRow, utterances
from callswitch_retell._mapping import to_utterances


def test_rows_become_the_same_utterances() -> None:
    rows: list[UtteranceRow] = [
        {"role": UtteranceRole.AGENT, "text": "hi", "start": 0.5, "end": 1.0},
        {"text": "only text"},
        {"role": UtteranceRole.USER, "text": "", "start": None, "end": None},
    ]
    got = utterances(rows)
    assert type(got) is tuple
    assert all(type(u) is Utterance for u in got)
    assert got == tuple(Utterance(**row) for row in rows)
    assert got[1].role is UtteranceRole.UNKNOWN


def test_no_rows_no_utterances() -> None:
    assert utterances([]) == ()


def test_a_long_retell_transcript() -> None:
    """Word timings of each utterance come from its first and last timed words."""
    items = [
        {
            "role": "agent" if n % 2 else "user",
            "content": f"utterance {n}",
            "words": [
                {"word": f"w{i}", "start": n + i / 10, "end": n + i / 10 + 0.05} for i in range(20)
            ],
        }
        for n in range(40)
    ]
    got = to_utterances(items)
    assert len(got) == 40
    for n, utterance in enumerate(got):
        assert utterance.role is (UtteranceRole.AGENT if n % 2 else UtteranceRole.USER)
        assert utterance.text == f"utterance {n}"
        assert utterance.start == n
        assert utterance.end == n + 19 / 10 + 0.05
