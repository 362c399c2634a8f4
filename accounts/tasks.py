from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from config.celery import RETRY_POLICY


@shared_task(**RETRY_POLICY)
def send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", body, settings.DEFAULT_FROM_EMAIL, [to])
