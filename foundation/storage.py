"""Safe file writes: a stored file is either complete and durable, or not there at all.

``SafeFileSystemStorage`` (``STORAGES["default"]`` unless S3 is configured) writes each new file
to a temporary name in its final directory (``.<name>.<random>.part``), fsyncs the file, gives
it its final name atomically and fsyncs the directory. A crash, a full or a read-only volume
therefore never leaves a half file under a name a database row could point to.

The final name is given with ``os.link`` (atomic, and it fails if the name exists: a stored
notice is never overwritten, even by a racing writer); on a file system without hard links it
falls back to ``os.replace`` after checking the name is free. With ``allow_overwrite=True``
it is ``os.replace``.

A file written inside ``transaction.atomic()`` is removed again when that transaction — or the
savepoint it was written in — rolls back, so a failed request or task leaves no orphan.
Django has no rollback hook, so the storage wraps ``rollback``/``savepoint_rollback``/``commit``
of the one connection object that wrote the file (``_NewFiles``): after a rollback it deletes
the files written since, after a commit it forgets them. A committed file is never deleted.

Every ``OSError`` of the volume (ENOSPC, EROFS, EIO, EACCES …) surfaces as
``StorageUnavailable``, one exception with a clear German message:
``foundation.middleware.StorageUnavailableMiddleware`` and ``foundation.api.exception_handler`` turn it
into a 503 page or API answer, never a 500. It *is* an ``OSError``, so tasks retry it
(``config.celery.RETRYABLE``).
"""

import contextlib
import errno
import logging
import os
import uuid

from django.core.files.storage import FileSystemStorage
from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

TEMPORARY_SUFFIX = ".part"
# Errors of os.link meaning "this file system has no hard links", not "the volume is broken".
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK, errno.ENOSYS}


class StorageUnavailable(OSError):
    """The file storage cannot be written (or read) right now: full, read-only, unmounted."""

    message = _("Der Dateispeicher ist vorübergehend nicht verfügbar. Ihre Eingabe wurde nicht gespeichert. "
                "Bitte versuchen Sie es in einigen Minuten erneut; besteht das Problem fort, wenden Sie sich "
                "an die Geschäftsstelle.")


def is_temporary(name: str) -> bool:
    """A file this storage is writing (or left behind when the process died mid-write)."""
    base = os.path.basename(name)
    return base.startswith(".") and base.endswith(TEMPORARY_SUFFIX)


class SafeFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        try:
            self._make_directory(directory)
            temporary = self._write_temporary(directory, os.path.basename(full_path), content)
        except OSError as exc:
            raise _unavailable(exc, "write", full_path) from exc
        published = False
        try:
            while True:
                try:
                    self._publish(temporary, full_path)
                    published = True
                    break
                except FileExistsError:
                    # Taken since get_available_name() looked: pick another name, as Django does.
                    name = self.get_available_name(name)
                    full_path = self.path(name)
            _fsync_directory(directory)
        except OSError as exc:
            if published:  # not durable, and no row will point to it: take it back
                _delete([full_path], reason="its directory could not be synced")
            raise _unavailable(exc, "rename", full_path) from exc
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)
        _remember_for_rollback(full_path)
        return str(name).replace("\\", "/")

    def _open(self, name, mode="rb"):
        try:
            return super()._open(name, mode)
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise _unavailable(exc, "open", name) from exc

    def _make_directory(self, directory: str) -> None:
        if self.directory_permissions_mode is None:
            os.makedirs(directory, exist_ok=True)
            return
        old_umask = os.umask(0o777 & ~self.directory_permissions_mode)
        try:
            os.makedirs(directory, self.directory_permissions_mode, exist_ok=True)
        finally:
            os.umask(old_umask)

    def _write_temporary(self, directory: str, base: str, content) -> str:
        temporary = os.path.join(directory, f".{base}.{uuid.uuid4().hex}{TEMPORARY_SUFFIX}")
        # 0o666 minus the umask, as Django's own _save creates files.
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        try:
            with os.fdopen(fd, "wb") as file:
                for chunk in content.chunks():
                    file.write(chunk.encode() if isinstance(chunk, str) else chunk)
                file.flush()
                os.fsync(file.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
        except BaseException:
            with contextlib.suppress(OSError):
                os.remove(temporary)
            raise
        return temporary

    def _publish(self, temporary: str, full_path: str) -> None:
        if self._allow_overwrite:
            os.replace(temporary, full_path)
            return
        try:
            os.link(temporary, full_path)
        except FileExistsError:
            raise
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            if os.path.lexists(full_path):
                raise FileExistsError(errno.EEXIST, "exists", full_path) from exc
            os.replace(temporary, full_path)


def _unavailable(exc: OSError, action: str, path: str) -> StorageUnavailable:
    logger.error("file storage unavailable (%s %s): %s", action, path, exc)
    return StorageUnavailable(exc.errno, exc.strerror or str(exc))


def _fsync_directory(directory: str) -> None:
    """Make the new directory entry durable (a rename is only on disk once its directory is)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EINVAL):  # platforms that cannot open directories
            return
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # directory fsync not supported here
            raise
    finally:
        os.close(fd)


# ------------------------------------------------------------------- removal on rollback


class _NewFiles:
    """The files one database connection wrote in its current transaction.

    Installed on a connection the first time a file is written inside ``atomic()``: the
    connection's ``commit``, ``rollback`` and ``savepoint_rollback`` are wrapped (instance
    attributes shadow the class's methods) so that rolled-back files are deleted and
    committed ones forgotten.
    """

    def __init__(self, connection):
        self.entries: list[tuple[frozenset, str]] = []  # (open savepoints at write time, path)
        self._commit = connection.commit
        self._rollback = connection.rollback
        self._savepoint_rollback = connection.savepoint_rollback
        connection.commit = self.commit
        connection.rollback = self.rollback
        connection.savepoint_rollback = self.savepoint_rollback

    def add(self, path: str, savepoints) -> None:
        self.entries.append((frozenset(sid for sid in savepoints if sid), path))

    def commit(self):
        self._commit()
        self.entries = []

    def rollback(self):
        try:
            self._rollback()
        finally:
            entries, self.entries = self.entries, []
            _delete([path for _, path in entries])

    def savepoint_rollback(self, sid):
        self._savepoint_rollback(sid)
        gone = [path for sids, path in self.entries if sid in sids]
        self.entries = [(sids, path) for sids, path in self.entries if sid not in sids]
        _delete(gone)


def _remember_for_rollback(full_path: str, using: str = DEFAULT_DB_ALIAS) -> None:
    connection = transaction.get_connection(using)
    if not connection.in_atomic_block:
        return  # autocommit: nothing can roll back the file's row any more
    new_files = connection.__dict__.get("_new_files")
    if new_files is None:
        new_files = connection._new_files = _NewFiles(connection)
    new_files.add(full_path, connection.savepoint_ids)


def _delete(paths: list[str], reason: str = "its transaction was rolled back") -> None:
    for path in paths:
        try:
            os.remove(path)
            logger.info("removed %s: %s", path, reason)
        except FileNotFoundError:
            pass
        except OSError as exc:
            logger.warning("could not remove %s (%s; an orphan for verify_files): %s", path, reason, exc)
