"""Graph queries: pure functions f(snapshot, ...) returning plain data with
the evidence behind each answer. One family per module:

- lineage: origins, impact, path
- timeline: constraint_timeline, frontier
- narratives: narrative_shifts
- proposals: open_problems (beside frontier)
- topics: topic_shifts (over a corpus of papers)
- gaps: gaps

Get a snapshot with graph.network.snapshot(session); to ask a question of a
session (ids resolved, arguments checked, as of a year), use graph.answers.
"""

from .gaps import gaps
from .lineage import impact, origins, path
from .narratives import narrative_shifts
from .proposals import open_problems
from .timeline import constraint_timeline, frontier
from .topics import topic_shifts

__all__ = ["constraint_timeline", "frontier", "gaps", "impact", "narrative_shifts", "open_problems", "origins", "path", "topic_shifts"]
