"""Where the repository's data folders are (an edge: file paths).

Catalogs, traces, finance defaults and validation data live in ``data/`` at the top of the
checkout, beside ``src/``; the package finds them by walking up from its own location, which
works for a source tree and for the editable install that ``make`` creates.
"""

from __future__ import annotations

from pathlib import Path


def data_dir(folder: str, marker: str) -> Path:
    """``data/<folder>`` of the checkout holding this package; `marker` is a file that must be in
    it (so a stray folder of the same name is not taken). Raises `FileNotFoundError`."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "data" / folder
        if (candidate / marker).is_file():
            return candidate
    raise FileNotFoundError(
        f"data folder data/{folder} (with {marker}) not found next to the package"
    )
