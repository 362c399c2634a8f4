"""REST API of applications (/api/v1/applications/, /api/v1/staff/applications/).

serializers.py parses and shapes data only; views.py calls one service or selector per request.
"""

from .views import ApplicationViewSet, StaffApplicationViewSet

__all__ = ["ApplicationViewSet", "StaffApplicationViewSet"]
