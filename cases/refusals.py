"""The one exception for requests Crosscase declines: a file it will not import, a change it will not make."""


class Refused(Exception):
    """`message` is one sentence for the person who asked, naming what is wrong (and the line or file)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Conflict(Refused):
    """A request that was sound when sent but lost a race: what it acts on was changed or removed meanwhile by
    another request. Views answer it with 409 rather than 400; `message` says to reload."""
