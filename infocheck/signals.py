"""A stop asked for by a signal: SIGTERM (a cancelled CI job, `kill`, a watcher stopping its
cycle), SIGBREAK on Windows, SIGINT where a command handles Ctrl-C itself. Which signals there
are is the platform's, looked up when asked, never imported at the top."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterable


def on_signals(names: Iterable[str], handler: Callable[[str], None]) -> Callable[[], None]:
    """`handler(name)` on each signal of `names` this platform has; what undoes that. Only the
    main thread can be told of a signal: from any other nothing changes."""
    import signal
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    before = {}
    for name in names:
        if not hasattr(signal, name):
            continue
        number = getattr(signal, name)
        try:
            before[number] = signal.signal(number, lambda signum, frame, name=name: handler(name))
        except (OSError, ValueError):
            continue

    def restore():
        for number, handler_before in before.items():
            signal.signal(number, handler_before)
    return restore
