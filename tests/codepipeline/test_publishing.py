"""An approval's token is visible a moment before its message is published: waiting for both."""

from __future__ import annotations

import threading

from local.codepipeline.engine import Engine
from tests.codepipeline.scenario import FakeClock, Outbox, declaration, make_engine, token_of

DEMO = "greenlight-demo"
TO_APPROVAL_STEPS = 3


class HeldOutbox(Outbox):
    """Publishes only once `release` is set; `entered` is set when the first publish starts."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()

    def __call__(self, topic: str, message: str) -> None:
        self.entered.set()
        assert self.release.wait(30), "the test never released the publish"
        super().__call__(topic, message)


def test_nothing_queued_is_published_at_once(engine: Engine) -> None:
    engine.update_pipeline(declaration())
    assert engine.wait_until_published(timeout=0)


def test_the_wait_holds_while_the_approval_message_is_still_being_published() -> None:
    clock, outbox = FakeClock(), HeldOutbox()
    engine = make_engine(clock, outbox)
    engine.update_pipeline(declaration())
    engine.start_execution(DEMO)

    def to_the_approval() -> None:
        for _ in range(TO_APPROVAL_STEPS):
            clock.advance(0.5)
            engine.tick()

    ticking = threading.Thread(target=to_the_approval, daemon=True)
    ticking.start()
    try:
        assert outbox.entered.wait(30), "the approval was never published"
        assert token_of(engine, DEMO)  # the token already shows...
        assert outbox.sent == []  # ...while its message is not out yet
        assert not engine.wait_until_published(timeout=0)
    finally:
        outbox.release.set()
    assert engine.wait_until_published(timeout=30)
    assert [approval["token"] for approval in outbox.approvals()] == [token_of(engine, DEMO)]
    ticking.join(30)
    assert not ticking.is_alive()
