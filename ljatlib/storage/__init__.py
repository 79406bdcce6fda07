"""Storage of landscapes: the SQLite database and PATHSAMPLE-style files."""

from ._identity import SameMinimum
from .database import Database, DatabaseBusy, DatabaseError, Minimum, TransitionState
from .pathsample import export_pathsample, import_pathsample

__all__ = ["Database", "DatabaseBusy", "DatabaseError", "Minimum", "TransitionState", "export_pathsample",
           "import_pathsample", "SameMinimum"]
