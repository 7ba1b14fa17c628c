"""Finding a font that draws Chinese, for the receipt preview PNG, without configuration.

Known Debian paths first (fonts-wqy-microhei, fonts-wqy-zenhei, fonts-noto-cjk), then whatever
fontconfig offers for Simplified Chinese. A candidate counts only if it really draws 中: fc-match
always answers with some file, often one without a single Chinese glyph.
"""

from __future__ import annotations

import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

KNOWN_FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
# In a collection, the face to prefer: monospaced Latin lines up best on the column grid, and
# Noto's SC face draws the Simplified Chinese forms.
PREFERRED_FACES = ("Mono CJK SC", "Micro Hei Mono", "Zen Hei Mono", "CJK SC")
MAX_FACES = 10  # a .ttc holds a handful of faces; Noto CJK has ten
PROBE = "中"
NOT_A_CHARACTER = "\U0010fffd"  # private use: no font maps it, so it draws the .notdef box
FC_MATCH = ("fc-match", "-f", "%{file}\n%{index}", ":lang=zh-cn")


class CjkFontMissing(RuntimeError):
    message_key = "preview.font_missing"


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int = 0

    def load(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, size)


@lru_cache(maxsize=64)
def _load(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index)


@lru_cache(maxsize=4)
def find_cjk_font(
    known: tuple[str, ...] = KNOWN_FONT_FILES, fc_match: tuple[str, ...] = FC_MATCH
) -> FontFile:
    """The first font that draws Chinese: a `known` file, else the one `fc_match` names.
    CjkFontMissing, saying what was tried, when none does."""
    tried = []
    for candidate in _candidates(known, fc_match):
        tried.append(candidate.path)
        if not missing_glyphs(PROBE, candidate.load(24)):
            return candidate
    raise CjkFontMissing(
        "no font with Chinese glyphs: install fonts-wqy-microhei (tried: "
        + (", ".join(tried) or "nothing found") + ")")


def _candidates(known: tuple[str, ...], fc_match: tuple[str, ...]) -> list[FontFile]:
    found = [_preferred_face(path) for path in known if Path(path).is_file()]
    from_fontconfig = _fontconfig_match(fc_match)
    if from_fontconfig is not None:
        found.append(from_fontconfig)
    return found


def _preferred_face(path: str) -> FontFile:
    names: dict[int, str] = {}
    for index in range(MAX_FACES):
        try:
            family, _style = ImageFont.truetype(path, 12, index=index).getname()
        except OSError:
            break  # past the last face of the collection
        names[index] = family or ""
    for wanted in PREFERRED_FACES:
        for index, family in names.items():
            if wanted in family:
                return FontFile(path, index)
    return FontFile(path, 0)


def _fontconfig_match(command: tuple[str, ...]) -> FontFile | None:
    try:
        answer = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None  # no fontconfig on this machine
    path, _, index = answer.stdout.partition("\n")
    if answer.returncode != 0 or not Path(path).is_file():
        return None
    return FontFile(path, int(index) if index.strip().isdigit() else 0)


def missing_glyphs(text: str, font: ImageFont.FreeTypeFont) -> list[str]:
    """The characters of `text` the font has no glyph for (drawn as its .notdef box, or as
    nothing at all), each once, in order. Spaces and control characters are not checked."""
    notdef = _drawn(NOT_A_CHARACTER, font)
    missing: list[str] = []
    for char in dict.fromkeys(text):
        if char.isspace() or unicodedata.category(char) in ("Cc", "Cf"):
            continue
        drawn = _drawn(char, font)
        if drawn == notdef or drawn is None:
            missing.append(char)
    return missing


def _drawn(char: str, font: ImageFont.FreeTypeFont) -> bytes | None:
    """The character's pixels, or None when it draws nothing."""
    size = int(font.size * 2)
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).text((0, 0), char, font=font, fill=255)
    box = image.getbbox()
    return None if box is None else image.crop(box).tobytes()
