"""The terminal's Kivy app: screens for every cashier and member flow. It holds no business
logic: every decision comes from terminal/cashier (and through it from membership/); worker
threads reach the UI only through `bridge.UiBridge`."""
