"""Storage of landscapes: the SQLite database and PATHSAMPLE-style files."""

from .database import Database, DatabaseError, Minimum, TransitionState
from .pathsample import export_pathsample, import_pathsample

__all__ = ["Database", "DatabaseError", "Minimum", "TransitionState", "export_pathsample",
           "import_pathsample"]
