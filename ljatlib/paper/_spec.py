"""What the specs of the paper's databases share."""

from .._hashing import stable_hash


class BuildSpec:
    """Base of :class:`~ljatlib.paper.LandscapeSpec` and :class:`~ljatlib.paper.GlassSpec`:
    a frozen dataclass describing one database, with ``as_dict`` (its fields and format
    version, JSON-serialisable) and ``file_stem`` (a readable file name); ``key`` hashes
    the description, so a database and its cache are found by what they contain."""

    def as_dict(self) -> dict:
        raise NotImplementedError

    def file_stem(self) -> str:
        raise NotImplementedError

    def key(self) -> str:
        """Short hash (12 hex digits) of every field and the format version."""
        return stable_hash(self.as_dict())
