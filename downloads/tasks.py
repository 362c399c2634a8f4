from celery import shared_task

from config.celery import RETRY_POLICY


@shared_task(name="downloads.make", acks_late=True, **RETRY_POLICY)
def make(*, download_id: int) -> str:
    """Make one requested document (through the outbox: promised in the request's transaction). Safe twice."""
    from .services import make_download

    return make_download(download_id=download_id)


@shared_task(name="downloads.expire")
def expire() -> int:
    """Celery beat, hourly: delete the files of documents older than settings.DOWNLOADS_KEEP_DAYS."""
    from .services import expire_downloads

    return expire_downloads()
