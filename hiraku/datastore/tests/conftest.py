from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared"
TAKAMATSU = SHARED / "data" / "takamatsu-sample"
LOCALGOV_SJIS = SHARED / "data" / "localgovjp" / "localgovjp-2020-sjis.csv"


@pytest.fixture
def shared_data():
    if not TAKAMATSU.is_dir():
        pytest.skip("shared sample data is not next to the repository")
    return SHARED / "data"


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path
