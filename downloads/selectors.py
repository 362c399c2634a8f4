from django.db.models import QuerySet

from .models import Download


def downloads_of(user) -> QuerySet[Download]:
    """A person's requested documents, newest first (a guessed id of someone else's gives 404). The columns are
    those the page and the API show (the API shows the parameters too)."""
    return Download.objects.filter(owner=user).only(
        "public_id", "kind", "params", "label", "state", "filename", "size", "reason", "requested_at", "finished_at",
        "owner_id")


def download_of(user, public_id) -> Download:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Download.objects.filter(owner=user), public_id=public_id)
