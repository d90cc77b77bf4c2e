"""Permissive stand-ins for modules a revision imports that are not installed here (``stub_imports``).

Most real chains import their application (``from myapp.models import User``), which often cannot
share a virtualenv with us. With stand-ins the revision still loads and runs; every use of one is
noted so that the findings of that revision can say what was not seen.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy.types import UserDefinedType


class StandIn:
    """Any attribute, call, item or base class a revision asks of a missing module: another stand-in."""

    def __init__(self, name: str, module: str, owner: StandIns) -> None:
        self._name = name
        self._module = module
        self._owner = owner

    def _derived(self, suffix: str) -> StandIn:
        self._owner.touch(self._module)
        return StandIn(f"{self._name}{suffix}", self._module, self._owner)

    def __getattr__(self, attr: str) -> StandIn:
        if attr.startswith("_"):  # protocols probed by libraries (_sqla_type, __deepcopy__) stay absent
            raise AttributeError(attr)
        return self._derived(f".{attr}")

    def __call__(self, *args: Any, **kwargs: Any) -> StandIn:
        self._owner.touch(self._module)
        # what a call makes is most often a column type (myapp.types.GUID()): let it stand as one
        return StandInType(f"{self._name}()", self._module, self._owner)

    def __getitem__(self, key: Any) -> StandIn:
        return self._derived("[]")

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        self._owner.touch(self._module)
        return (object,)

    def __enter__(self) -> StandIn:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"<stand-in {self._name}>"


class StandInType(StandIn, UserDefinedType):  # type: ignore[type-arg]
    """A stand-in that SQLAlchemy also accepts as a column type (it renders as its own name)."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        """The DDL spelling: a placeholder naming the missing type."""
        return "STAND_IN"


class StandInModule(ModuleType):
    """A missing module: a package whose every attribute is a stand-in."""

    def __init__(self, name: str, owner: StandIns) -> None:
        super().__init__(name)
        self.__path__: list[str] = []
        self._owner = owner

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__"):
            raise AttributeError(attr)
        self._owner.touch(self.__name__)
        return StandIn(f"{self.__name__}.{attr}", self.__name__, self._owner)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Last on ``sys.meta_path``: answers only imports no other finder could, made from the migrations."""

    def __init__(self, owner: StandIns) -> None:
        self._owner = owner

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not self._owner.imported_from_migrations():
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return StandInModule(spec.name, self._owner)

    def exec_module(self, module: ModuleType) -> None:
        self._owner.touch(module.__name__)


class StandIns:
    """The stand-ins of one lint run: which revision touched which missing module."""

    def __init__(self, root: str) -> None:
        self.root = str(Path(root).resolve())
        self._by_path: dict[str, set[str]] = {}
        self._current: set[str] | None = None
        self._modules: dict[str, ModuleType] = {}
        self._finder = _Finder(self)

    def touch(self, name: str) -> None:
        """Note that the running revision used the stand-in ``name``."""
        if self._current is not None:
            self._current.add(name)

    def imported_from_migrations(self) -> bool:
        """The import statement being run is in a file under the migration directory."""
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            if not filename.startswith("<frozen") and "importlib" not in filename:
                return filename.startswith(self.root)
            frame = frame.f_back  # type: ignore[assignment]
        return False

    def touched_by(self, path: str) -> set[str]:
        """Stand-ins the revision at ``path`` used while it was loaded."""
        return set(self._by_path.get(str(Path(path).resolve()), set()))

    @contextmanager
    def active(self, path: str | None = None) -> Iterator[set[str]]:
        """Stand-ins answer imports inside the block; yields the names used there."""
        touched: set[str] = set()
        self._current = touched
        sys.meta_path.append(self._finder)
        sys.modules.update(self._modules)
        try:
            yield touched
        finally:
            sys.meta_path.remove(self._finder)
            for name, module in list(sys.modules.items()):
                if isinstance(module, StandInModule) and module._owner is self:
                    self._modules[name] = sys.modules.pop(name)
            self._current = None
            if path is not None:
                self._by_path[str(Path(path).resolve())] = touched
