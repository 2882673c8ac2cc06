"""Loading the shared sortition instances through the panel's own CSV readers."""

from __future__ import annotations

from pathlib import Path

from observatory.panel.core.io import QuotaFile, read_pool, read_quotas
from observatory.panel.core.lottery import Pool

INSTANCES = {
    # name: (pool file, quotas file, id column, k)
    "example_small_20": ("respondents.csv", "categories.csv", None, 20),
    "example_large_200": ("respondents.csv", "categories.csv", None, 200),
    "sf_fixture_22": ("candidates.csv", "features.csv", "nationbuilder_id", 22),
}


def paths(shared_data: Path, name: str) -> tuple[Path, Path, str | None, int]:
    pool, quotas, id_column, k = INSTANCES[name]
    folder = shared_data / "sortition" / name
    return folder / pool, folder / quotas, id_column, k


def load(shared_data: Path, name: str) -> tuple[Pool, QuotaFile, int]:
    pool_path, quotas_path, id_column, k = paths(shared_data, name)
    quotas = read_quotas(quotas_path)
    return read_pool(pool_path, quotas, id_column), quotas, k
