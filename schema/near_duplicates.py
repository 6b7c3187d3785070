"""When two articles are near-duplicates: copies of one story share its ``story_id``.

Two article texts are near-duplicates when the Jaccard similarity of their sets of word
shingles (runs of ``SHINGLE_WORDS`` consecutive words) is at least
``NEAR_DUPLICATE_JACCARD``. Ingesting articles applies it; the dataset card states it.
"""

from __future__ import annotations

SHINGLE_WORDS = 5
NEAR_DUPLICATE_JACCARD = 0.5
