"""Running actions at the same instant in threads, for the concurrency tests."""
import threading
import traceback
from dataclasses import dataclass, field


@dataclass
class Race:
    outcomes: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def count(self, outcome) -> int:
        return self.outcomes.count(outcome)


def race(actions) -> Race:
    """Start every action in its own thread at the same instant; collect outcomes and unexpected errors."""
    barrier = threading.Barrier(len(actions), timeout=60)
    result, lock = Race(), threading.Lock()

    def worker(action):
        try:
            barrier.wait()
            outcome = action()
        except Exception:  # noqa: BLE001 - any exception is the bug under test
            with lock:
                result.errors.append(traceback.format_exc())
            return
        with lock:
            result.outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker thread hung"
    return result
