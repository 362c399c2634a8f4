from . import views  # noqa: F401
from .views import dashboard, decisions, disbursements, notice_runs, proofs

app_name = "payments"

urlpatterns = [*decisions.urlpatterns, *notice_runs.urlpatterns, *disbursements.urlpatterns, *proofs.urlpatterns,
               *dashboard.urlpatterns]
