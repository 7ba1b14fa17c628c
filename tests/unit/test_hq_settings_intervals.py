"""The `coupons_used_interval_s` setting: seconds, a float, between 0.1 and 3600."""

import pytest

from hq.settings import HqSettings, SettingsError, load_settings


def test_the_coupons_used_interval_defaults_to_five_seconds():
    assert load_settings(environ={}).coupons_used_interval_s == 5.0


@pytest.mark.parametrize(("value", "expected"), [("0.5", 0.5), ("2", 2.0), ("0.1", 0.1),
                                                 ("3600", 3600.0)])
def test_the_coupons_used_interval_takes_fractions_of_a_second(tmp_path, value, expected):
    path = tmp_path / "hq.toml"
    path.write_text(f"[hq]\ncoupons_used_interval_s = {value}\n")
    assert load_settings(path, environ={}).coupons_used_interval_s == expected


@pytest.mark.parametrize(("value", "message"), [
    ("0.05", "between 0.1 and 3600"),
    ("3601", "between 0.1 and 3600"),
    ("nan", "between 0.1 and 3600"),
    ("'soon'", "must be float"),
    ("true", "must be float"),
])
def test_a_bad_coupons_used_interval_is_an_error_at_start(tmp_path, value, message):
    path = tmp_path / "hq.toml"
    path.write_text(f"[hq]\ncoupons_used_interval_s = {value}\n")
    with pytest.raises(SettingsError, match=message):
        load_settings(path, environ={})


def test_a_worker_setting_can_be_given_directly():
    assert HqSettings(coupons_used_interval_s=0.2).coupons_used_interval_s == 0.2
    with pytest.raises(SettingsError, match="coupons_used_interval_s"):
        HqSettings(coupons_used_interval_s=0)
