"""All-pairs covering sets: the slow matrix layer runs these instead of every combination.

Every value of every factor meets every value of every other factor in at least one chosen
combination (among the combinations ``valid`` allows). Greedy and deterministic: repeatedly take
the first combination, in product order, that covers the most pairs not yet covered. With the
option matrix's ~150 combinations per framework this is instant and gives about 9-12 picks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Combination = dict[str, Any]


def _pairs(combo: Combination) -> set[tuple[tuple[str, Any], tuple[str, Any]]]:
    items = sorted(combo.items(), key=lambda kv: kv[0])
    return set(itertools.combinations(items, 2))


def all_combinations(
    factors: Mapping[str, Sequence[Any]], valid: Callable[[Combination], bool] = lambda _: True
) -> list[Combination]:
    keys = list(factors)
    combos = (
        dict(zip(keys, values, strict=True)) for values in itertools.product(*factors.values())
    )
    return [combo for combo in combos if valid(combo)]


def all_pairs(
    factors: Mapping[str, Sequence[Any]], valid: Callable[[Combination], bool] = lambda _: True
) -> list[Combination]:
    """A small list of valid combinations that covers every valid pair of factor values."""
    candidates = all_combinations(factors, valid)
    uncovered = set().union(*(_pairs(combo) for combo in candidates))
    chosen: list[Combination] = []
    while uncovered:
        best = max(candidates, key=lambda combo: len(_pairs(combo) & uncovered))
        chosen.append(best)
        uncovered -= _pairs(best)
    return chosen
