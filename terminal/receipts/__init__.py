"""Receipts: text layout, the PNG preview, the CJK font, and printing them."""
