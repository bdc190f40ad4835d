"""Loyalty and churn: from expectations and satisfaction to who stays (METHODS §5; issue 15)."""

__all__: list[str] = []
