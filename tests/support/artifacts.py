"""Files a test leaves for people to look at (receipt PNGs): `<repo>/test-artifacts/<name>/`.

Kept out of git (.gitignore); CI can upload the folder. Each run overwrites the same names.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"


def artifact_dir(name: str) -> Path:
    """The folder for `name`'s artifacts, created if missing."""
    folder = ARTIFACTS / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder
