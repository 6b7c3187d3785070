"""Deterministic, leakage-safe train / validation / test splits.

The unit of assignment is the story (``story_id``): near-duplicate wire copies of one story
share it, so a story never straddles two splits. Stories are put in a fixed order by the
sha256 of ``"<seed>:<story_id>"``; the first ones go to train, the next to validation, the
rest to test, in counts given by the ratios (largest-remainder rounding, and at least one
story for every split whose ratio is above zero). When there are fewer stories than splits
with a positive ratio, everything goes to train and the plan says why.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass

SPLITS = ("train", "validation", "test")
DEFAULT_RATIOS = (0.8, 0.1, 0.1)
DEFAULT_SEED = 0
RATIO_TOLERANCE = 1e-6


@dataclass(frozen=True)
class SplitPlan:
    """Which split every story goes to, and how that was decided."""

    ratios: tuple[float, float, float]
    seed: int
    assignment: dict[str, str]  # story_id -> split
    story_counts: dict[str, int]  # split -> number of stories
    fallback: str  # why the ratios could not be applied; "" when they were

    def split_of(self, story_id: str) -> str:
        return self.assignment[story_id]


def parse_ratios(text: str) -> tuple[float, float, float]:
    """``"0.8,0.1,0.1"`` -> (0.8, 0.1, 0.1). Raises ValueError with a message for users."""
    parts = [part.strip() for part in text.split(",")]
    if len(parts) != len(SPLITS):
        raise ValueError(f"expected three numbers for train,validation,test; got {text!r}")
    try:
        ratios = tuple(float(part) for part in parts)
    except ValueError:
        raise ValueError(
            f"expected three numbers for train,validation,test; got {text!r}"
        ) from None
    if any(not math.isfinite(ratio) or ratio < 0 for ratio in ratios):
        raise ValueError(f"ratios must be non-negative numbers; got {text!r}")
    if abs(sum(ratios) - 1) > RATIO_TOLERANCE:
        raise ValueError(f"ratios must sum to 1; {text!r} sums to {sum(ratios):g}")
    return ratios[0], ratios[1], ratios[2]


def story_order_key(story_id: str, seed: int) -> str:
    """The sort key that places a story: sha256 of ``"<seed>:<story_id>"``."""
    return hashlib.sha256(f"{seed}:{story_id}".encode()).hexdigest()


def split_sizes(n_stories: int, ratios: tuple[float, float, float]) -> tuple[int, int, int]:
    """Stories per split: largest-remainder rounding of ``n * ratio``, then at least one
    story for every split with a positive ratio (taken from the largest split)."""
    exact = [n_stories * ratio for ratio in ratios]
    sizes = [math.floor(value) for value in exact]
    by_remainder = sorted(range(len(SPLITS)), key=lambda i: (-(exact[i] - sizes[i]), i))
    for index in by_remainder[: n_stories - sum(sizes)]:
        sizes[index] += 1
    for index, ratio in enumerate(ratios):
        if ratio > 0 and sizes[index] == 0:
            largest = max(range(len(SPLITS)), key=lambda i: (sizes[i], -i))
            sizes[largest] -= 1
            sizes[index] += 1
    return sizes[0], sizes[1], sizes[2]


def assign_splits(
    story_ids: Iterable[str],
    ratios: tuple[float, float, float] = DEFAULT_RATIOS,
    seed: int = DEFAULT_SEED,
) -> SplitPlan:
    """Assign every distinct story id to a split (see the module docstring for the rule)."""
    stories = sorted(set(story_ids), key=lambda story: (story_order_key(story, seed), story))
    needed = sum(1 for ratio in ratios if ratio > 0)
    if len(stories) < needed:
        sizes = (len(stories), 0, 0)
        fallback = (
            f"{len(stories)} {'story' if len(stories) == 1 else 'stories'} cannot fill "
            f"{needed} non-empty splits, so every article is in train"
        )
    else:
        sizes = split_sizes(len(stories), ratios)
        fallback = ""
    assignment: dict[str, str] = {}
    position = 0
    for split, size in zip(SPLITS, sizes, strict=True):
        for story in stories[position : position + size]:
            assignment[story] = split
        position += size
    return SplitPlan(
        ratios=ratios,
        seed=seed,
        assignment=assignment,
        story_counts=dict(zip(SPLITS, sizes, strict=True)),
        fallback=fallback,
    )


def listed_splits(rows: dict[str, int]) -> list[str]:
    """The splits a config lists in the card: those with rows, or ``train`` alone when the
    config has none (datasets 5.2 cannot load a split without rows)."""
    listed = [split for split in SPLITS if rows.get(split)]
    return listed or ["train"]
