"""DuckDB extensions from the installed wheels, never from the network.

DuckDB cannot download extensions on these machines, so each one comes as a wheel
(``duckdb-extension-<name>``, locked with ``duckdb`` itself) holding
``extensions/v<duckdb version>/<name>.duckdb_extension``. Connections turn DuckDB's own autoinstall and
autoload off (``NO_AUTOLOAD``) so a missing extension fails loudly instead of trying the network.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb

#: Connection settings for every connection dateline opens: extensions load only through ``load``.
NO_AUTOLOAD = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


class ExtensionMissingError(RuntimeError):
    """An extension's wheel is not installed, or was built for another DuckDB version."""


def extension_file(name: str) -> Path:
    """The ``.duckdb_extension`` file of ``name`` in its installed wheel, for the running DuckDB version."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionMissingError(f"DuckDB extension {name!r} is not installed (pip package "
                                    f"duckdb-extension-{name.replace('_', '-')}=={duckdb.__version__})")
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (root / "extensions").glob("v*"))
        raise ExtensionMissingError(f"DuckDB extension {name!r} has no build for DuckDB {duckdb.__version__} "
                                    f"(installed: {', '.join(found) or 'none'}); pin both to one version")
    return path


def load(con: duckdb.DuckDBPyConnection, *names: str) -> None:
    """``LOAD`` each extension into ``con`` from its wheel; ones already loaded (or built in) are skipped."""
    loaded = {row[0] for row in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()}
    for name in names:
        if name not in loaded:
            path = extension_file(name).as_posix().replace("'", "''")
            con.execute(f"LOAD '{path}'")
