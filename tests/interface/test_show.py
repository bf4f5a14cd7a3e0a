"""How verdicts are shown in the terminal."""

from __future__ import annotations

from rich.console import Console

from ragassist.interface.show import print_claim
from ragassist.types import Claim, Verdict


def _shown(verdict: Verdict) -> str:
    console = Console(record=True, width=120)
    print_claim(console, verdict, explain=False)
    return console.export_text()


def test_a_claim_flagged_for_invented_content_says_why() -> None:
    claim = Claim("The Zorblat engine is red.", 0, 26)
    invented = Verdict(claim, 0.38, True, "It runs at 42 rpm.", "a.txt", {"invented_share": 1.0})
    text = _shown(invented)
    assert "0.38" in text and "nothing it adds occurs in the passages" in text
    assert "It runs at 42 rpm." in text
    low = Verdict(claim, 0.10, True, "It runs at 42 rpm.", "a.txt", {"invented_share": 0.0})
    assert "nothing it adds" not in _shown(low)
