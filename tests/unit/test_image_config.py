"""The terminal configuration the image installs (images/terminal.toml): it loads, and it runs
the app full screen on real devices with no simulator panel — while `make run`'s own
configuration stays a window."""

from __future__ import annotations

from pathlib import Path

from terminal.config import DEVICE_NAMES, load_config

IMAGE_CONFIG = Path(__file__).resolve().parents[2] / "images" / "terminal.toml"


def test_the_image_runs_the_app_full_screen_on_real_devices():
    config = load_config(IMAGE_CONFIG, environ={})
    assert config.ui.fullscreen is True
    assert not config.shows_simulator_panel
    assert config.window_size == (config.ui.width, config.ui.height)
    assert not any(config.simulated(name) for name in DEVICE_NAMES)
    assert config.hq.enabled and config.hq.password == ""  # the password is not in the image
    assert config.log_path == Path("/var/lib/huiyuan/terminal/terminal.log")
    assert not config.demo.seed


def test_without_a_file_the_terminal_opens_a_window():
    assert load_config(None, environ={}).ui.fullscreen is False
