"""crosscheck: news articles in, an evidence-linked, cross-source storyline out."""

from crosscheck.models import Storyline
from crosscheck.settings import Settings

__all__ = ["Settings", "Storyline", "run"]
__version__ = "0.1.0"


def run(paths, settings: Settings | None = None, db_url: str | None = None) -> Storyline:
    """Run the whole pipeline over files/folders and return the storyline."""
    from crosscheck.core import run as _run

    return _run(paths, settings=settings, db_url=db_url)
