"""The member PIN keypad (evdev, exclusive grab) and its simulator."""
