"""dateline's Great Expectations suites, written as code.

`import great_expectations` costs 5-6 s (scipy.stats, altair), so this package imports nothing from GX
itself: `expectations.articles` (which does) is loaded only when one of its names is first used, e.g.
`from expectations.articles import build_suite` inside the function that validates.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "SUITE_NAME",
    "BOILERPLATE_MARKERS",
    "DATE_STATUSES",
    "build_suite",
]


SUITE_NAME = "dateline_articles"


def __getattr__(name: str) -> Any:  # PEP 562: lazy re-export, keeps `import expectations` cheap
    if name in __all__ and name != "SUITE_NAME":
        return getattr(importlib.import_module("expectations.articles"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
