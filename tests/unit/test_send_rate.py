"""The sends' pace: never more than the account's SES send rate in any second, however many
threads send; the rate is read from SES once per client."""

from __future__ import annotations

from typing import Any

from greenlight.mail import FALLBACK_SEND_RATE, SendPace, max_send_rate


class Clock:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_burst_of_sends_never_exceeds_the_rate_in_any_second() -> None:
    clock = Clock()
    pace = SendPace(14.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(100):
        pace.wait()
        starts.append(clock.now)
    for first in starts:
        assert sum(1 for t in starts if first <= t < first + 1.0) <= 14
    assert starts[13] == 0.0  # the first 14 go at once, in parallel


class Ses:
    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls = 0

    def get_account(self) -> Any:
        self.calls += 1
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_the_send_rate_is_read_from_ses_once_per_client() -> None:
    ses = Ses({"SendQuota": {"MaxSendRate": 50.0}})
    assert max_send_rate(ses) == 50.0
    assert max_send_rate(ses) == 50.0
    assert ses.calls == 1


def test_an_account_whose_rate_cannot_be_read_sends_at_the_slowest_rate() -> None:
    assert max_send_rate(Ses(RuntimeError("AccessDenied"))) == FALLBACK_SEND_RATE
