"""The terminal's own log file ([logging] in its TOML file, terminal/logfile.py): in the data
folder, every logger's records at the level configured, rotated at a size with a bounded number
of old files, detached when the terminal closes; bad or unknown keys stop the start."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from terminal.bootstrap import build_runtime
from terminal.config import ConfigError, TerminalConfig, config_from_mapping, load_config
from terminal.logfile import start_log_file


def config_for(folder: Path, **logging_table: Any) -> TerminalConfig:
    return config_from_mapping({
        "terminal": {"id": "SH001-T1", "data_dir": str(folder)},
        "hq": {"enabled": False},
        "logging": logging_table,
    }, environ={})


def test_the_defaults_keep_a_log_file_in_the_data_folder(tmp_path: Path):
    config = config_for(tmp_path)
    assert config.log_path == tmp_path / "terminal.log"
    assert (config.logging.level, config.logging.max_bytes, config.logging.backups) == (
        "INFO", 1_048_576, 5)
    assert config_for(tmp_path, file="").log_path is None


@pytest.mark.parametrize(("table", "named"), [
    ({"rotate": True}, "rotate"),
    ({"level": "TRACE"}, "logging.level"),
    ({"level": 10}, "logging.level"),
    ({"file": "../terminal.log"}, "logging.file"),
    ({"max_bytes": 100}, "logging.max_bytes"),
    ({"backups": 51}, "logging.backups"),
])
def test_a_bad_or_unknown_key_stops_the_start_with_its_name(tmp_path: Path, table, named):
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        config_for(tmp_path, **table)


def test_the_table_is_read_from_the_toml_file(tmp_path: Path):
    path = tmp_path / "terminal.toml"
    path.write_text('[terminal]\ndata_dir = "var/t"\n[logging]\nlevel = "DEBUG"\n'
                    'file = "till.log"\nbackups = 2\n', encoding="utf-8")
    config = load_config(path, environ={})
    assert config.log_path == Path("var/t/till.log") and config.logging.backups == 2


def test_records_of_every_logger_rotate_within_the_size_and_count(tmp_path: Path):
    config = config_for(tmp_path, level="DEBUG", max_bytes=10_000, backups=2)
    stop = start_log_file(config)
    try:
        for number in range(400):  # about 30 kB of lines
            logging.getLogger("huiyuan_devices.keypad").debug("line %04d %s", number, "x" * 40)
    finally:
        stop()
    logging.getLogger("terminal").warning("after the detach")
    files = sorted(path.name for path in tmp_path.glob("terminal.log*"))
    assert files == ["terminal.log", "terminal.log.1", "terminal.log.2"]
    assert all(path.stat().st_size <= 10_000 for path in tmp_path.glob("terminal.log*"))
    newest = (tmp_path / "terminal.log").read_text(encoding="utf-8")
    assert "DEBUG huiyuan_devices.keypad" in newest and "line 0399" in newest
    assert "after the detach" not in newest


def test_a_level_above_the_records_leaves_them_out_and_the_root_level_is_restored(
        tmp_path: Path):
    root = logging.getLogger()
    before = root.level
    stop = start_log_file(config_for(tmp_path, level="WARNING"))
    try:
        logging.getLogger("terminal.sync").info("an info line")
        logging.getLogger("terminal.sync").warning("a warning line")
    finally:
        stop()
    text = (tmp_path / "terminal.log").read_text(encoding="utf-8")
    assert "a warning line" in text and "an info line" not in text
    assert root.level == before


def test_the_terminal_writes_its_log_from_the_start_and_stops_at_its_close(tmp_path: Path):
    runtime = build_runtime(config_for(tmp_path))
    runtime.close()
    logging.getLogger("terminal").warning("after the close")
    text = (tmp_path / "terminal.log").read_text(encoding="utf-8")
    assert "terminal SH001-T1 starting" in text
    assert "after the close" not in text
