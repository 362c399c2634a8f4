"""Who may see a requested document: the person who asked for it, no one else (not even staff)."""

import rules


@rules.predicate
def is_owner(user, download) -> bool:
    return bool(user.is_authenticated and download is not None and download.owner_id == user.pk)


rules.add_perm("downloads.view_download", is_owner)
