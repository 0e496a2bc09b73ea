"""Node positions for drawing: a force-directed layout in numpy.

The browser could lay the graph out itself (vis-network's physics), but on
this project's 2-core machine that took about 0.5 s for the built-in history
and over 10 s for 5,000 nodes (60 iterations at ~200 ms each, measured in
headless Chromium). Computed here, the layout costs tens of milliseconds for
the built-in history and about a second for 5,000 nodes, once per store
revision and filter (the result is cached per snapshot), and the page only
draws.

Fruchterman-Reingold: every pair of nodes repels with k²/d, every edge
attracts with d²/k, moves are capped by a temperature that cools linearly.
Up to `EXACT_LIMIT` nodes all pairs are computed; above it each node is
repelled by a fresh random sample of nodes each iteration, scaled up to the
whole (a stochastic estimate: O(n·s) instead of O(n²), noisy early, settled
by the cooling). Fixed nodes (the constraints, as anchors) never move.

>>> import numpy as np
>>> pos = force_layout(3, np.array([0, 1]), np.array([1, 2]), fixed={0: (0.0, 0.0)})
>>> pos.shape, tuple(pos[0])
((3, 2), (0.0, 0.0))
"""

from __future__ import annotations

import numpy as np

EXACT_LIMIT = 600
SAMPLE = 48
SPREAD = 2.0
LIMIT_RADIUS = 0.9
GRAVITY = 0.05


def force_layout(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    *,
    fixed: dict[int, tuple[float, float]] | None = None,
    iterations: int | None = None,
    seed: int = 7,
) -> np.ndarray:
    """Positions (n x 2) in a disc of radius 0.6 * SPREAD centred on 0 for the
    graph with edges src[i] -> dst[i] (direction is ignored). `fixed` pins
    nodes to given positions, in the same units."""
    fixed = fixed or {}
    rng = np.random.default_rng(seed)
    pos = (rng.random((n, 2)) - 0.5) * SPREAD
    if n == 0:
        return pos
    pinned = np.zeros(n, dtype=bool)
    pinned_at = np.zeros((n, 2))
    for i, (x, y) in fixed.items():
        pinned[i] = True
        pinned_at[i] = (x, y)
    pos[pinned] = pinned_at[pinned]
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    # The natural edge length: wider than the textbook 1/sqrt(n), so labels have room.
    k = SPREAD / np.sqrt(n)
    iterations = iterations or (300 if n <= EXACT_LIMIT else 120)
    temperature = 0.1 * SPREAD
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        if n <= EXACT_LIMIT:
            delta = pos[:, None, :] - pos[None, :, :]
            d2 = np.einsum("ijk,ijk->ij", delta, delta) + 1e-9
            repulse = np.einsum("ijk,ij->ik", delta, (k * k) / d2)
        else:
            others = rng.integers(0, n, size=(n, SAMPLE))
            delta = pos[:, None, :] - pos[others]
            d2 = np.einsum("ijk,ijk->ij", delta, delta) + 1e-9
            repulse = np.einsum("ijk,ij->ik", delta, (k * k) / d2) * (n / SAMPLE)
        disp = repulse
        if src.size:
            d = pos[dst] - pos[src]
            dist = np.sqrt(np.einsum("ij,ij->i", d, d)) + 1e-9
            pull = d * (dist / k)[:, None]
            for axis in (0, 1):
                disp[:, axis] += np.bincount(src, weights=pull[:, axis], minlength=n)
                disp[:, axis] -= np.bincount(dst, weights=pull[:, axis], minlength=n)
        # A little gravity keeps components that share no edge from drifting apart.
        disp -= pos * (GRAVITY * np.sqrt(n))
        length = np.sqrt(np.einsum("ij,ij->i", disp, disp)) + 1e-9
        pos += disp * (np.minimum(length, temperature) / length)[:, None]
        # Nodes with no edges would drift to the edge of the world: keep them in a disc.
        radius = np.sqrt(np.einsum("ij,ij->i", pos, pos)) + 1e-9
        pos *= (np.minimum(radius, LIMIT_RADIUS * SPREAD) / radius)[:, None]
        pos[pinned] = pinned_at[pinned]
        temperature -= cooling
    return pos
