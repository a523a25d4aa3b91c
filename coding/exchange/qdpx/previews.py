"""Keeping an uploaded archive between its preview and the owner's confirmation.

An archive is too large for the signed form field that carries a previewed codebook, so it waits in
settings.FILE_UPLOAD_TEMP_DIR (local disk, never shared storage) under a random name. The confirmation form
carries a signed token binding that name to the project (or to "a new project"), the user and the archive's
SHA-256, and expiring after an hour: the confirmed import is exactly the previewed archive, and no one else's.
The file is removed once imported; one never confirmed is removed by `cases.storage_cleanup`, which deletes
files of that folder older than its grace period (an hour, like the token).
"""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.core import signing

from cases.refusals import Refused

SALT = "coding.qdpx.preview"
MAX_AGE = 60 * 60
_PREFIX = "qdpx-preview-"


def _path(name: str) -> Path:
    return Path(settings.FILE_UPLOAD_TEMP_DIR) / f"{_PREFIX}{name}.qdpx"


def keep(*, scope: str, user, filename: str, data: bytes) -> str:
    """Stores `data`; the token returned gives it back to `user` in `scope` (a project id, or "new")."""
    name = secrets.token_hex(16)
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    _path(name).write_bytes(data)
    payload = {"s": scope, "u": user.pk, "f": filename, "n": name, "h": hashlib.sha256(data).hexdigest()}
    return signing.dumps(payload, salt=SALT)


def load(*, token: str, scope: str, user) -> tuple[str, bytes, str]:
    """(file name, bytes, stored name) of a kept archive; Refused if the token is not this user's here."""
    again = "upload the archive again."
    try:
        payload = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        raise Refused(f"The preview is more than an hour old: {again}") from error
    except signing.BadSignature as error:
        raise Refused(f"The preview could not be verified: {again}") from error
    if payload.get("s") != scope or payload.get("u") != user.pk:
        raise Refused(f"The preview could not be verified: {again}")
    try:
        data = _path(payload["n"]).read_bytes()
    except OSError as error:
        raise Refused(
            f"The previewed archive is no longer kept (it may have been imported already): {again}"
        ) from error
    if hashlib.sha256(data).hexdigest() != payload["h"]:
        raise Refused(f"The previewed archive changed on the server: {again}")
    return payload["f"], data, payload["n"]


def discard(name: str) -> None:
    _path(name).unlink(missing_ok=True)
