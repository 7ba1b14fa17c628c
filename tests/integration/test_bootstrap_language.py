"""The language a manager chooses on the settings screen outlives a restart of the terminal."""

from __future__ import annotations

from pathlib import Path

from terminal.bootstrap import build_runtime
from terminal.config import config_from_mapping
from terminal.store.access import UI_LANGUAGE


def runtime_for(folder: Path, language: str = "zh_CN"):
    config = config_from_mapping({
        "terminal": {"id": "SH001-T1", "language": language, "data_dir": str(folder)},
        "hq": {"enabled": False},
    }, environ={})
    return build_runtime(config)


def test_the_chosen_language_wins_over_the_config_file_after_a_restart(tmp_path: Path):
    first = runtime_for(tmp_path)
    try:
        assert first.cashier.language == first.printing.lang == "zh_CN"
        first.store.remember_setting(UI_LANGUAGE, "en")
    finally:
        first.close()
    again = runtime_for(tmp_path)
    try:
        assert again.cashier.language == again.printing.lang == "en"
    finally:
        again.close()


def test_a_stored_language_the_terminal_does_not_know_falls_back_to_the_config(tmp_path: Path):
    first = runtime_for(tmp_path, language="en")
    try:
        first.store.remember_setting(UI_LANGUAGE, "fr")
    finally:
        first.close()
    again = runtime_for(tmp_path, language="en")
    try:
        assert again.cashier.language == "en"
    finally:
        again.close()
