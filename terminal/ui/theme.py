"""Sizes and colours for the countertop panels (1024x600 and 800x480): large touch targets for a
finger (at least 56 px high), one CJK font for every label."""

from __future__ import annotations

from dataclasses import dataclass

from terminal.fonts import find_cjk_font

FONT_NAME = "TerminalCJK"
RGBA = tuple[float, float, float, float]


@dataclass(frozen=True)
class Theme:
    font_size: int
    small_font_size: int
    large_font_size: int
    title_font_size: int
    button_height: int
    row_height: int
    spacing: int
    padding: int
    status_height: int
    font_name: str = FONT_NAME
    background: RGBA = (0.96, 0.96, 0.95, 1)
    panel: RGBA = (1, 1, 1, 1)
    primary: RGBA = (0.11, 0.42, 0.78, 1)
    danger: RGBA = (0.80, 0.18, 0.16, 1)
    ok: RGBA = (0.13, 0.55, 0.27, 1)
    warn: RGBA = (0.85, 0.55, 0.05, 1)
    text: RGBA = (0.12, 0.12, 0.12, 1)
    muted: RGBA = (0.45, 0.45, 0.45, 1)
    inverse: RGBA = (1, 1, 1, 1)
    status_bar: RGBA = (0.16, 0.18, 0.22, 1)


def theme_for(width: int, height: int) -> Theme:
    if width >= 1000 and height >= 580:
        return Theme(font_size=20, small_font_size=16, large_font_size=26, title_font_size=30,
                     button_height=64, row_height=44, spacing=8, padding=12, status_height=44)
    return Theme(font_size=18, small_font_size=14, large_font_size=22, title_font_size=26,
                 button_height=56, row_height=40, spacing=6, padding=8, status_height=40)


def register_fonts() -> str:
    """Register the CJK font under FONT_NAME once; returns the file used."""
    from kivy.core.text import LabelBase

    font = find_cjk_font()
    LabelBase.register(FONT_NAME, font.path)
    return font.path
