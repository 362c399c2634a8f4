def register(router) -> None:
    """Add this area's viewsets to the /api/v1/ router."""
