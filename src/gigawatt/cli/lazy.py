"""Commands listed by name and summary, imported only when they run: ``gigawatt --help`` and
``gigawatt validate`` do not import NumPy, SciPy, Plotly or the service stack."""

from __future__ import annotations

import importlib
from typing import Any, ClassVar

import typer
from typer.core import TyperCommand, TyperGroup


class LazyCommand(TyperCommand):
    """A command known by its name and one-line help; its module (``module``, the command
    function or Typer group ``attribute``) is imported when the command is run or its help is
    asked for, and the real command takes over."""

    def __init__(self, name: str, module: str, attribute: str, summary: str) -> None:
        super().__init__(name, help=summary)
        self.module = module
        self.attribute = attribute
        self._command: Any = None  # the real command (click's, or typer's own click)

    def load(self) -> Any:
        """The real command, built as Typer builds a subcommand of the top-level group."""
        if self._command is None:
            target = getattr(importlib.import_module(self.module), self.attribute)
            wrapper = typer.Typer(add_completion=False)
            wrapper.callback()(_no_options)
            name = self.name or self.attribute
            if isinstance(target, typer.Typer):
                wrapper.add_typer(target, name=name)
            else:
                wrapper.command(name)(target)
            group = typer.main.get_command(wrapper)
            assert isinstance(group, TyperGroup)
            self._command = group.commands[name]
        return self._command

    def make_context(
        self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any
    ) -> Any:
        """The real command's context: the group then invokes the real command."""
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Any) -> Any:
        return self.load().invoke(ctx)


def _no_options() -> None:
    pass


class LazyGroup(TyperGroup):
    """A Typer group whose subcommands are `lazy_commands` (name -> (module, attribute,
    summary)), in that order, each a `LazyCommand`."""

    lazy_commands: ClassVar[dict[str, tuple[str, str, str]]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, (module, attribute, summary) in self.lazy_commands.items():
            self.add_command(LazyCommand(name, module, attribute, summary), name)
