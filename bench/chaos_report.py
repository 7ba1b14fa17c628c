"""What the chaos soak prints: a line per period while it runs, then the faults' recovery
times, the drain, the reconciliation and PASS/FAIL against issue 11's criteria."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bench.chaos_faults import DoneFault, count_at, recovery_s
from bench.chaos_rig import Sample

if TYPE_CHECKING:
    from bench.chaos_soak_bench import SoakResult

THROUGHPUT_TOLERANCE = 0.20  # the last period's stored events within 20 % of the first's
MEMORY_GROWTH_ALLOWED = 1.20  # "flat": later peaks at most 20 % above the first periods'
DRAIN_LIMIT_S = 60.0
MIB = 1024


@dataclass(frozen=True)
class PeriodFigures:
    stored: int
    broker_peak_kib: int
    save_file_bytes: int
    worker_peaks_kib: dict[str, int]


def figures(samples: Sequence[Sample], start: float, stop: float) -> PeriodFigures:
    inside = [s for s in samples if start <= s.at <= stop] or [Sample(stop, None, 0, {}, 0)]
    workers = sorted({wid for s in inside for wid in s.hq_rss_kib})
    return PeriodFigures(
        count_at(samples, stop) - count_at(samples, start),
        max(s.broker_rss_kib for s in inside),
        max(s.broker_file_bytes for s in inside),
        {wid: max(s.hq_rss_kib.get(wid, 0) for s in inside) for wid in workers})


def print_period(index: int, period_s: float, began: float, samples: Sequence[Sample],
                 faults: Sequence[DoneFault], backlog: int) -> None:
    start, stop = began + index * period_s, began + (index + 1) * period_s
    shown = figures(samples, start, stop)
    if index == 0:
        print("period  stored  events/s  broker MiB  save file MiB  hq workers MiB  "
              "outbox backlog  faults")
    workers = " ".join(f"{wid}={kib / MIB:.0f}" for wid, kib in shown.worker_peaks_kib.items())
    during = ", ".join(f"{f.kind} {f.target}" for f in faults if start <= f.began < stop)
    print(f"{index + 1:>6}  {shown.stored:>6}  {shown.stored / period_s:>8.1f}  "
          f"{shown.broker_peak_kib / MIB:>10.1f}  {shown.save_file_bytes / MIB / MIB:>13.2f}  "
          f"{workers:>14}  {backlog:>14}  {during or '-'}", flush=True)


def print_verdict(period_s: float, result: SoakResult) -> int:
    """The recoveries, the drain, the reconciliation and the criteria; 0 when every one
    passes, 1 otherwise (a bench prints; the exit status is for whoever runs it)."""
    samples, began = result.samples, result.selling_began
    for fault in result.faults:
        before, recovered = recovery_s(samples, fault, began)
        print(f"fault at {fault.began - began:6.1f} s: {fault.kind} {fault.target} "
              f"(back after {fault.back - fault.began:.1f} s); stored rate before "
              f"{before:.1f}/s, back to half in "
              f"{'never' if recovered is None else f'{recovered:.0f} s'}")
    counted = result.reconciliation
    print(f"terminal processes started {result.terminal_starts} "
          f"(exited with an error: {len(result.terminals_failed)}); reconciliation: "
          f"issued={counted.events_issued} at_hq={counted.events_at_hq} "
          f"missing={counted.missing} duplicated={counted.duplicated} "
          f"balance_mismatches={counted.balance_mismatches} quarantined={counted.quarantined}")
    died = ", ".join(f"{wid} at {at:.0f} s" for at, wid in result.workers_died)
    print(f"hq serve workers that exited on their own (started again): {died or 'none'}")
    verdicts = _criteria(period_s, result)
    for name, passed, detail in verdicts:
        print(f"{'PASS' if passed else 'FAIL'}  {name}: {detail}")
    return 0 if all(passed for _, passed, _ in verdicts) else 1


def _criteria(period_s: float, result: SoakResult) -> list[tuple[str, bool, str]]:
    each = [figures(result.samples, result.selling_began + n * period_s,
                    result.selling_began + (n + 1) * period_s) for n in range(result.periods)]
    first, last = each[0].stored, each[-1].stored
    ratio = last / first if first else 0.0
    head = max(1, len(each) // 5)
    early = max(f.broker_peak_kib for f in each[:head])
    later = max((f.broker_peak_kib for f in each[head:]), default=early)
    drained = result.drained_s
    counted = result.reconciliation
    return [
        ("throughput in the last period within 20 % of the first",
         first > 0 and abs(ratio - 1) <= THROUGHPUT_TOLERANCE,
         f"{first} then {last} events (ratio {ratio:.2f})"),
        ("broker memory flat after the first periods",
         later <= early * MEMORY_GROWTH_ALLOWED,
         f"peak {early / MIB:.1f} MiB in the first {head}, {later / MIB:.1f} MiB after"),
        ("every outbox drained within 60 s after selling stopped",
         drained is not None and drained <= DRAIN_LIMIT_S,
         "not within the drain time-out" if drained is None else f"{drained:.1f} s"),
        ("0 missing", counted.missing == 0, str(counted.missing)),
        ("0 duplicated", counted.duplicated == 0, str(counted.duplicated)),
        ("no hq serve worker exited on its own", not result.workers_died,
         str(len(result.workers_died))),
        ("0 balance mismatches, 0 quarantined",
         counted.balance_mismatches == 0 and counted.quarantined == 0,
         f"{counted.balance_mismatches}, {counted.quarantined}"),
    ]
