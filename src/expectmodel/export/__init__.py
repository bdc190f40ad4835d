"""Export bundles of fitted models and their validation on load (ARCHITECTURE §5; issue 16)."""

__all__: list[str] = []
