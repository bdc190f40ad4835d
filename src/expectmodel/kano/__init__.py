"""Kano analysis: must-be, one-dimensional and attractive attributes, and their drift (METHODS §4; issue 14)."""

__all__: list[str] = []
