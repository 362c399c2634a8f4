import pytest

from payments import schedule
from tests.payments.factories import MONEY_TODAY, pin_money_today


@pytest.fixture(autouse=True)
def business_day_today(monkeypatch):
    """The money tests run as if today were MONEY_TODAY (payments read the date from schedule.today()),
    so that what they request, pay and confirm "today" does not depend on the real date. Returns it."""
    assert schedule.is_target2_business_day(MONEY_TODAY)
    return pin_money_today(monkeypatch)


@pytest.fixture(autouse=True)
def fresh_idempotency_keys(monkeypatch):
    """Every POST of the money tests carries a new idempotency key, as a freshly rendered form or a
    well-behaved API client does; a test about repeats passes its key itself (then nothing is added)."""
    import uuid

    from django.test import Client
    from rest_framework.test import APIClient

    from payments.idempotency import FORM_FIELD

    page_post, api_post = Client.post, APIClient.post

    def post_page(self, path, data=None, *args, **kwargs):
        if isinstance(data, dict) and FORM_FIELD not in data:
            data = {**data, FORM_FIELD: uuid.uuid4().hex}
        elif data is None:
            data = {FORM_FIELD: uuid.uuid4().hex}
        return page_post(self, path, data, *args, **kwargs)

    def post_api(self, path, data=None, *args, **kwargs):
        if "HTTP_IDEMPOTENCY_KEY" not in kwargs and "Idempotency-Key" not in (kwargs.get("headers") or {}):
            kwargs["HTTP_IDEMPOTENCY_KEY"] = uuid.uuid4().hex
        return api_post(self, path, data, *args, **kwargs)

    monkeypatch.setattr(Client, "post", post_page)
    monkeypatch.setattr(APIClient, "post", post_api)
