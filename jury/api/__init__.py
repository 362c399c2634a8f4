"""REST API of the jury (/api/v1/jury/...).

serializers.py parses and shapes data only; views.py calls one service or selector per request.
"""

from .views import AssignmentViewSet, JuryApplicationViewSet, PanelViewSet, SessionViewSet, SheetViewSet

__all__ = ["AssignmentViewSet", "JuryApplicationViewSet", "PanelViewSet", "SessionViewSet", "SheetViewSet"]
