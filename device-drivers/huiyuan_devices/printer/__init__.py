"""ESC/POS receipt printers (python-escpos) over serial, USB, network and file, and a simulator."""
