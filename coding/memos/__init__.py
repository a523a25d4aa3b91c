"""Memos: the analyst's writing about the project, a case, a transcript, a code, a relation or a quotation,
linked to the quotations and codes it discusses (`writing.py` changes them, `listing.py` finds and shows
them)."""
