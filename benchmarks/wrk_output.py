"""Reading wrk's report: one parser for every benchmark that drives wrk (servers, ML)."""

from __future__ import annotations

import re

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse(out: str) -> tuple[float, float, float, str]:
    """`wrk --latency` output as (requests/s, p50 ms, p99 ms, problems: non-2xx, socket errors)."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    problems = [
        match.group(0)
        for pattern in (r"Non-2xx or 3xx responses: \d+", r"Socket errors: [^\n]+")
        if (match := re.search(pattern, out))
    ]
    return rps, p50, p99, "; ".join(problems)
