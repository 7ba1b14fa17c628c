"""The card's side of our member application's PIN: the reference PIN, the try counter and the
verified state, answering VERIFY and CHANGE REFERENCE DATA as member_app.py describes.

Pure (no I/O, no threads): the virtual member card (virtual_card.py) and the simulated reader
(simulated.py) both keep one per card, so the simulator answers exactly as a card through pcscd.
The caller routes only PIN commands here, and only while our application is selected.
"""

from __future__ import annotations

import hmac

from huiyuan_devices.cardreader import member_app
from huiyuan_devices.cardreader.member_app import (
    INS_CHANGE_REFERENCE_DATA,
    INS_VERIFY,
    P1_CHANGE_WITH_OLD_PIN,
    P1_FIRST_PIN,
    PIN_BLOCK_LENGTH,
    PIN_REFERENCE,
)

Apdu = bytes | bytearray


def _sw(word: int) -> bytes:
    return word.to_bytes(2, "big")


class CardPin:
    """One card's PIN. `pin` None: a card issued without a PIN (the first one is set later).

    The repr shows whether a PIN is set and the tries left, never the PIN.
    """

    __slots__ = ("_reference", "_tries_left", "try_limit", "verified")

    def __init__(self, pin: str | None = None, *,
                 try_limit: int = member_app.PIN_TRY_LIMIT) -> None:
        self.try_limit = try_limit
        self._tries_left = try_limit
        self.verified = False
        self._reference: bytearray | None = None
        if pin is not None:
            block = member_app.pin_block(pin)
            if not member_app.is_valid_pin_block(block):
                member_app.wipe_buffer(block)
                raise ValueError(f"a card's PIN has {member_app.MIN_PIN_DIGITS} to "
                                 f"{member_app.MAX_PIN_DIGITS} digits")
            self._reference = block

    def __repr__(self) -> str:
        return (f"CardPin(set={self.is_set}, tries_left={self._tries_left}, "
                f"verified={self.verified})")

    @property
    def is_set(self) -> bool:
        return self._reference is not None

    @property
    def tries_left(self) -> int:
        return self._tries_left

    @property
    def blocked(self) -> bool:
        return self.is_set and self._tries_left == 0

    def deselect(self) -> None:
        """SELECT, reset or power-off: the verified state ends."""
        self.verified = False

    def answer(self, apdu: Apdu) -> bytes:
        """The status word answering one VERIFY or CHANGE REFERENCE DATA command."""
        if len(apdu) < 4 or apdu[3] != PIN_REFERENCE:
            return _sw(member_app.SW_WRONG_P1_P2)
        if len(apdu) > 4 and len(apdu) != 5 + apdu[4]:
            return _sw(member_app.SW_WRONG_LENGTH)
        ins, p1 = apdu[1], apdu[2]
        with memoryview(apdu) as whole, whole[5:] as data:  # no copies of the PIN blocks
            if ins == INS_VERIFY and p1 == 0x00:
                return self._verify(data)
            if ins == INS_CHANGE_REFERENCE_DATA and p1 == P1_CHANGE_WITH_OLD_PIN:
                return self._change(data)
            if ins == INS_CHANGE_REFERENCE_DATA and p1 == P1_FIRST_PIN:
                return self._set_first(data)
        return _sw(member_app.SW_WRONG_P1_P2)

    # --- the commands ---------------------------------------------------------------------

    def _verify(self, data: memoryview) -> bytes:
        refusal = self._refusal_without_usable_pin()
        if refusal:
            return refusal
        if not data:  # how many tries are left; counts none
            return _sw(member_app.SW_OK if self.verified
                       else member_app.SW_PIN_WRONG | self._tries_left)
        if len(data) != PIN_BLOCK_LENGTH:
            return _sw(member_app.SW_WRONG_LENGTH)
        return self._check(data)

    def _change(self, data: memoryview) -> bytes:
        refusal = self._refusal_without_usable_pin()
        if refusal:
            return refusal
        if len(data) != 2 * PIN_BLOCK_LENGTH:
            return _sw(member_app.SW_WRONG_LENGTH)
        answer = self._check(data[:PIN_BLOCK_LENGTH])
        if answer != _sw(member_app.SW_OK):
            return answer
        return self._store(data[PIN_BLOCK_LENGTH:])

    def _set_first(self, data: memoryview) -> bytes:
        if self.is_set:
            return _sw(member_app.SW_PIN_ALREADY_SET)
        if len(data) != PIN_BLOCK_LENGTH:
            return _sw(member_app.SW_WRONG_LENGTH)
        return self._store(data)

    # --- helpers --------------------------------------------------------------------------

    def _refusal_without_usable_pin(self) -> bytes:
        if self._reference is None:
            return _sw(member_app.SW_PIN_NOT_SET)
        if self._tries_left == 0:
            return _sw(member_app.SW_PIN_BLOCKED)
        return b""

    def _check(self, block: memoryview) -> bytes:
        assert self._reference is not None  # _refusal_without_usable_pin came first
        # Counted down before comparing, as a card does so that pulling it away mid-check
        # cannot save a try; a right PIN restores the counter.
        self._tries_left -= 1
        if hmac.compare_digest(self._reference, block):
            self._tries_left = self.try_limit
            self.verified = True
            return _sw(member_app.SW_OK)
        self.verified = False
        return _sw(member_app.SW_PIN_WRONG | self._tries_left)

    def _store(self, block: memoryview) -> bytes:
        if not member_app.is_valid_pin_block(block):
            return _sw(member_app.SW_BAD_PIN_BLOCK)
        if self._reference is not None:
            member_app.wipe_buffer(self._reference)
        self._reference = bytearray(block)
        self._tries_left = self.try_limit
        self.verified = False
        return _sw(member_app.SW_OK)
