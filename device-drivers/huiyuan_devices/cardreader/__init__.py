"""Card readers: PC/SC smart-card/RFID readers (pyscard), keyboard-wedge readers (evdev), a
simulator, and a virtual member card for the vsmartcard PC/SC driver."""
