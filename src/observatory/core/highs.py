"""The one way this project makes a HiGHS solver: silent, whatever the release prints (pure).

HiGHS writes a licence banner ("Running HiGHS 1.16.0 ... Copyright ...") with C ``printf`` on the
process's standard output when the first ``Highs`` object of a process is constructed (highspy
1.16; earlier releases printed it on the first solve unless ``output_flag`` was off). No option
can be set before the constructor runs, and the HiGHS maintainers keep the banner on purpose, so
the constructor runs with file descriptor 1 pointing at standard error: the banner stays
visible to a person, and standard output stays free for a command's ``--json`` document. Every
solver is then created with ``output_flag`` off, so no log line follows.

Both ``siting`` and ``panel`` build their solvers through :func:`new_highs` (never
``highspy.Highs()`` directly); ``tests/test_highs.py`` checks that nothing reaches stdout.
"""

from __future__ import annotations

import threading

import highspy

from observatory.core.clikit import descriptor_1_to_stderr

_LOCK = threading.Lock()


def new_highs(**options: bool | int | float | str) -> highspy.Highs:
    """A ``highspy.Highs`` with its banner on stderr, ``output_flag`` off, then ``options`` set."""
    with _LOCK, descriptor_1_to_stderr():
        h = highspy.Highs()  # type: ignore[no-untyped-call]  # highspy leaves Highs.__init__ unannotated
    h.setOptionValue("output_flag", False)
    for name, value in options.items():
        h.setOptionValue(name, value)
    return h
