"""Where the broker keeps its files, so that Mosquitto can reach them: as root it drops to the
`mosquitto` system user, which cannot enter a folder such as /root (mode 700)."""

from __future__ import annotations

import hashlib
import os
import pwd
import stat
import tempfile
from pathlib import Path

from hq.broker_accounts import BrokerStartError

MOSQUITTO_SYSTEM_USER = "mosquitto"


def check_reachable(directory: Path, account: pwd.struct_passwd) -> None:
    """Mosquitto, once it has dropped to `account`, must be able to walk down to `directory`."""
    closed = _closed_parent(directory, account)
    if closed is not None:
        raise BrokerStartError(
            f"user {account.pw_name!r} cannot enter {closed} (mode "
            f"{closed.stat().st_mode & 0o777:o}); put the broker's data_dir somewhere it can reach"
        )


def _closed_parent(directory: Path, account: pwd.struct_passwd) -> Path | None:
    """The first folder above `directory` that `account` may not enter, or None (a folder
    not made yet does not count: root makes it with its umask, normally one others may enter)."""
    for parent in directory.resolve().parents:
        if not parent.exists():
            continue
        status = parent.stat()
        if status.st_uid == account.pw_uid:
            continue
        others_may_enter = status.st_mode & 0o001
        group_may_enter = status.st_gid == account.pw_gid and status.st_mode & 0o010
        if not (others_may_enter or group_may_enter):
            return parent
    return None


def reachable_data_dir(wanted: Path | str) -> Path:
    """Where a broker that should keep its files in `wanted` can keep them.

    As an ordinary user the broker keeps the user's rights: `wanted` itself. As root it drops to
    the `mosquitto` user, which cannot enter a folder such as /root (mode 700): a repository
    cloned there would fail at once. Then the broker gets a folder of its own under the system
    temporary folder, named after `wanted` so that every run finds the same one (its persistence
    lasts until the machine's temporary files are cleared, which only costs resent messages).
    """
    wanted = Path(wanted).resolve()
    if os.geteuid() != 0:
        return wanted
    try:
        account = pwd.getpwnam(MOSQUITTO_SYSTEM_USER)
    except KeyError:
        return wanted  # write_files says why the broker cannot start
    if _closed_parent(wanted, account) is None:
        return wanted
    digest = hashlib.sha256(str(wanted).encode()).hexdigest()[:16]
    runtime = Path(tempfile.gettempdir()) / f"huiyuan-broker-{digest}"
    _claim_runtime_dir(runtime)
    return runtime


def _claim_runtime_dir(runtime: Path) -> None:
    """A folder in a world-writable place: refuse one that someone else made (or a link)."""
    try:
        runtime.mkdir(mode=0o700)
    except FileExistsError:
        status = os.lstat(runtime)
        ours = {0, pwd.getpwnam(MOSQUITTO_SYSTEM_USER).pw_uid}
        if not stat.S_ISDIR(status.st_mode) or status.st_uid not in ours:
            raise BrokerStartError(
                f"{runtime} exists but is not a folder of root or {MOSQUITTO_SYSTEM_USER!r}: "
                "remove it, or give the broker another data_dir"
            ) from None
