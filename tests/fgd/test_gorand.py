"""GoRand must produce exactly the numbers Go 1.19's math/rand produces (vectors printed by a Go program)."""

from __future__ import annotations

import pytest

from gigawatt.fgd.gorand import GoRand

# Printed by: rand.Seed(seed); rand.Int(); rand.Intn(8152), Intn(1213), Intn(3), Intn(1<<20),
# Intn(1000000007); Shuffle of 0..19; Perm(15); Int63()  (go1.19.8 linux/amd64)
GO_VECTORS = {
    42: (
        3440579354231278675,
        [4315, 2, 0, 776159, 822901345],
        [2, 14, 19, 4, 12, 0, 8, 9, 17, 15, 13, 18, 1, 5, 3, 11, 10, 6, 7, 16],
        [8, 2, 14, 7, 4, 1, 11, 3, 12, 9, 13, 0, 10, 5, 6],
        6854889074665436954,
    ),
    51: (
        3893522058333705853,
        [1647, 726, 0, 81804, 315836333],
        [14, 9, 0, 12, 10, 18, 19, 17, 5, 3, 15, 16, 8, 13, 7, 6, 4, 2, 1, 11],
        [7, 4, 0, 14, 1, 5, 12, 11, 8, 3, 2, 13, 6, 9, 10],
        6717530356089690997,
    ),
    0: (
        8717895732742165505,
        [1802, 879, 1, 858363, 621654496],
        [1, 18, 8, 15, 9, 10, 5, 6, 0, 14, 17, 7, 19, 11, 13, 4, 2, 16, 12, 3],
        [10, 7, 4, 5, 1, 3, 2, 8, 12, 14, 6, 13, 11, 9, 0],
        4778690082005258714,
    ),
    -7: (
        747107023976529931,
        [2032, 1090, 0, 1034171, 834302723],
        [4, 7, 2, 16, 13, 0, 6, 15, 18, 3, 14, 10, 1, 11, 9, 8, 5, 17, 19, 12],
        [1, 14, 8, 13, 4, 9, 6, 7, 3, 10, 2, 5, 11, 12, 0],
        1999773345790398259,
    ),
}


@pytest.mark.parametrize("seed", sorted(GO_VECTORS))
def test_gorand_matches_go_math_rand(seed: int) -> None:
    first, intns, shuffled, perm, last = GO_VECTORS[seed]
    rng = GoRand(seed)
    assert rng.int_() == first
    assert [rng.intn(n) for n in (8152, 1213, 3, 1 << 20, 1000000007)] == intns
    assert rng.shuffle_indices(20) == shuffled
    assert rng.perm(15) == perm
    assert rng.int63() == last
