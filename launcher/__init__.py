"""Launchers that start several parts of the system together (`make run`)."""
