"""Fixtures of the device tests. Card readers: a real pcscd with vsmartcard's virtual readers
(see pcsc_support.py for how it stays private to the test run)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from huiyuan_devices.cardreader.private_pcscd import VPCD_DRIVER

from tests.devices.pcsc_support import PcscDaemon, route_pcsc_clients

# Before any PC/SC call in this process: libpcsclite reads the socket path only once.
PRIVATE_PCSCD = route_pcsc_clients()


@pytest.fixture(scope="session")
def pcsc_daemon_session() -> Iterator[PcscDaemon]:
    if shutil.which("pcscd") is None or not VPCD_DRIVER.exists():
        pytest.skip("needs the Debian packages pcscd and vsmartcard-vpcd")
    daemon = PcscDaemon(PRIVATE_PCSCD)
    daemon.start()
    yield daemon
    daemon.stop()
    daemon.remove_folder()


@pytest.fixture
def pcsc_daemon(pcsc_daemon_session: PcscDaemon) -> PcscDaemon:
    """The test run's pcscd, running (started again if an earlier test killed it)."""
    pcsc_daemon_session.ensure_running()
    return pcsc_daemon_session


@pytest.fixture
def pcsc_killable_daemon(pcsc_daemon: PcscDaemon) -> PcscDaemon:
    """A pcscd this test may kill: only the private one (never a system pcscd)."""
    if not pcsc_daemon.can_be_killed:
        pytest.skip("pcscd is the system's (no private pcscd without unshare/root)")
    return pcsc_daemon
