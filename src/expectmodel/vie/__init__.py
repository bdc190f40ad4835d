"""Expectancy theory for customers: Vroom's M = V·E (METHODS §3; issue 13)."""

__all__: list[str] = []
