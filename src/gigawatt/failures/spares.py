"""How many spare nodes each hall keeps for failed ones: a count, a share, or the default."""

from __future__ import annotations

#: Spare nodes per hall when neither ``--spares`` nor the failure model names a pool: 2% of the
#: hall's nodes, the vendor guidance for NVL72 racks quoted in ../shared/data/reliability.md
#: ("Spare pools: 8% (BLOOM), 10-15% (OPT-175B), ~2% (vendor NVL72 guidance)").
DEFAULT_SPARES_SHARE = 0.02


def parse_spares(text: str | None, model_has_pool: bool) -> tuple[int | None, float | None]:
    """A spares spec (``gigawatt simulate --spares``): "N" spare nodes per hall, "P%" of each
    hall's nodes, or None: the failure model's pool if it names one, else
    `DEFAULT_SPARES_SHARE`. Returns (per hall, share), at most one of them set (both None: the
    model's pool); `ValueError` with a one-line message for anything else."""
    if text is None or not text.strip():
        return (None, None) if model_has_pool else (None, DEFAULT_SPARES_SHARE)
    value = text.strip()
    try:
        if value.endswith("%"):
            share = float(value[:-1]) / 100.0
            if not 0.0 <= share <= 1.0:
                raise ValueError
            return None, share
        count = int(value)
        if count < 0:
            raise ValueError
        return count, None
    except ValueError:
        raise ValueError(
            f"--spares: expected spare nodes per hall (e.g. 4) or a share of each hall's nodes "
            f"(e.g. 2%), got: {value}"
        ) from None
