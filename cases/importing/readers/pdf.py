"""PDF: the text layer of each page, in pypdf's reading order, pages apart by a blank line.

A scanned PDF has pages but no text; it is refused rather than imported empty, so the researcher runs OCR
first. Files encrypted with an empty user password (print or copy restrictions only) open as usual.
"""

import io

from pypdf import PasswordType, PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, WrongPasswordError

from cases.importing.readers import NoTextLayer, PasswordProtected, Unreadable


def read_pdf(data: bytes) -> str:
    """The text of every page; raises PasswordProtected, NoTextLayer or Unreadable."""
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PasswordProtected()
        pages = [page.extract_text() or "" for page in reader.pages]
    except (DependencyError, FileNotDecryptedError, WrongPasswordError) as error:
        # DependencyError: an AES-encrypted file and no crypto library to undo even an empty password.
        raise PasswordProtected() from error
    except PasswordProtected:
        raise
    except Exception as error:  # pypdf raises many types for one cause: a broken file
        raise Unreadable(str(error)) from error
    if not any(page.strip() for page in pages):
        raise NoTextLayer()
    return "\n\n".join(pages)
