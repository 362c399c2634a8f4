from . import views  # noqa: F401
from .views import dashboard, decisions, disbursements, proofs

app_name = "payments"

urlpatterns = [*decisions.urlpatterns, *disbursements.urlpatterns, *proofs.urlpatterns, *dashboard.urlpatterns]
