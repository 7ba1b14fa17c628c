import pytest

from hq.settings import HqSettings, SettingsError, load_settings


def test_defaults_need_no_file():
    settings = load_settings(environ={})
    assert settings == HqSettings()
    assert settings.database_url == ""


def test_file_then_environment(tmp_path):
    path = tmp_path / "hq.toml"
    path.write_text('[hq]\nbroker_port = 18830\nworker_id = "hq-2"\nhold_seconds = 60\n')
    settings = load_settings(path, environ={"HQ_DATABASE_URL": "postgresql://x/y",
                                            "HQ_BROKER_PORT": "18831"})
    assert (settings.broker_port, settings.worker_id, settings.hold_seconds) == (18831, "hq-2", 60)
    assert settings.database_url == "postgresql://x/y"


@pytest.mark.parametrize(("text", "message"), [
    ("[hq]\nbroker_prot = 1\n", "unknown setting"),
    ("[hq]\nbroker_port = 0\n", "between 1 and 65535"),
    ("[hq]\nbroker_port = 'abc'\n", "must be int"),
    ("[hq]\nbroker_port = true\n", "must be int"),
    ("[hq]\nbroker_port = '1883'\n", r"hq\.broker_port must be int, not '1883'"),
    ("[hq]\nhold_seconds = 60.5\n", r"hq\.hold_seconds must be int, not 60\.5"),
    ("[hq]\nbroker_prot = 1\n", r"\[hq\] has unknown setting\(s\): broker_prot"),
    ("[hq]\nshare_group = 'a/b'\n", "no '/'"),
    ("[hq]\nworker_id = 'T1'\n", r"hq\.worker_id must start with 'hq-'"),
    ("[hq\n", "hq.toml"),
])
def test_bad_configuration_is_an_error_at_start(tmp_path, text, message):
    path = tmp_path / "hq.toml"
    path.write_text(text)
    with pytest.raises(SettingsError, match=message):
        load_settings(path, environ={})


def test_an_environment_value_is_parsed_then_bounded():
    with pytest.raises(SettingsError, match=r"hq\.broker_port must be between 1 and 65535"):
        load_settings(environ={"HQ_BROKER_PORT": "70000"})
    with pytest.raises(SettingsError, match=r"hq\.broker_port must be int, not 'x'"):
        load_settings(environ={"HQ_BROKER_PORT": "x"})


def test_missing_file_is_named(tmp_path):
    with pytest.raises(SettingsError, match="not found"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_pin_pepper_comes_from_the_environment_and_never_shows():
    settings = load_settings(environ={"HQ_PIN_PEPPER": "a-long-enough-pepper"})
    assert settings.pin_pepper == "a-long-enough-pepper"
    assert "a-long-enough-pepper" not in repr(settings)
    with pytest.raises(SettingsError, match="at least 16"):
        load_settings(environ={"HQ_PIN_PEPPER": "short"})
