"""The web server's access log, without what would let its reader find or follow a person.

gunicorn logs each request's client address, request line and referrer. Here, through
``--logger-class observatory.web.core.accesslog.AccessLogger``:

* no client address (the house rule of ``common/abuse.py``: no raw IP address in the database, the
  cache or the logs): the address atoms and the forwarding headers are written as ``-``;
* no secret in a path: a reporter's tracking token, a subscriber's confirmation and
  unsubscription tokens are links sent to one person, and a log line holding one would open that
  person's report or subscription. They are written as ``…`` wherever they appear (the request
  line, the path, the referrer of the next page).
"""

from __future__ import annotations

import re
from typing import Any

from gunicorn.glogging import Logger

# The path prefixes whose next segment is a secret (see the urls of reports and subscriptions).
SECRET_SEGMENT = re.compile(
    r"(/(?:report/track|subscribe/confirm|subscribe/stop|me/notices/confirm)/)[^/?#\s\"]+"
)
ADDRESS_ATOMS = ("h", "{remote_addr}e", "{x-forwarded-for}i", "{x-real-ip}i", "{forwarded}i")


def redact(text: str) -> str:
    return SECRET_SEGMENT.sub(r"\1…", text)


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn ships no type hints: Logger is Any
    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key, value in atoms.items():
            if isinstance(value, str):
                atoms[key] = redact(value)
        for key in ADDRESS_ATOMS:
            if key in atoms:
                atoms[key] = "-"
        return atoms
