"""Solving an ALTCHA proof-of-work challenge as the browser's widget does (pure).

The server never solves: clients do. Scripted clients that post without an API key (the
benchmarks, the tests, a partner's script) use :func:`solve` on the JSON of ``GET /challenge/``
and send the result as the ``X-Altcha`` header or the form's ``altcha`` field.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from typing import Any


def solve(challenge: dict[str, Any]) -> str:
    """The base64 payload proving the work: the number n with sha256(salt + n) == challenge."""
    start = time.monotonic()
    salt, target = challenge["salt"], challenge["challenge"]
    for n in range(int(challenge["maxNumber"]) + 1):
        if hashlib.sha256(f"{salt}{n}".encode()).hexdigest() == target:
            payload = {
                **{k: challenge[k] for k in ("algorithm", "challenge", "salt", "signature")},
                "number": n,
                "took": int((time.monotonic() - start) * 1000),
            }
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise ValueError("the challenge has no solution up to its maxNumber")
