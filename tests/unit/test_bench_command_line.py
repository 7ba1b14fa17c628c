"""`python -m bench NAME --option value` passes the options to that bench (bench/__main__.py):
they were taken for bench names before."""

from __future__ import annotations

import pytest

from bench.__main__ import main, split_runs

NAMES = ["chaos_soak_bench", "fleet_scale_bench", "store_bench"]


def test_options_after_a_name_belong_to_that_bench_up_to_the_next_name() -> None:
    argv = ["chaos_soak_bench", "--minutes", "2", "--fault-kinds", "broker-kill",
            "store_bench", "fleet_scale_bench", "--terminals", "20"]
    assert split_runs(argv, NAMES) == [
        ("chaos_soak_bench", ["--minutes", "2", "--fault-kinds", "broker-kill"]),
        ("store_bench", []),
        ("fleet_scale_bench", ["--terminals", "20"])]


@pytest.mark.parametrize("argv", [["--minutes", "2"], ["no_such_bench"]])
def test_an_option_before_any_name_or_an_unknown_name_is_refused(argv: list[str]) -> None:
    with pytest.raises(ValueError, match="is not a bench"):
        split_runs(argv, NAMES)


def test_the_command_passes_options_to_the_bench_and_refuses_a_stray_word(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["chaos_soak_bench", "--help"]) == 0
    assert "--fast-timers" in capsys.readouterr().out  # the bench's own argparse answered
    assert main(["--help"]) == 2
    assert "is not a bench" in capsys.readouterr().err
