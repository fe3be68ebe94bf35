"""The ``kg`` command line: click commands, each a few lines over the library.

Errors raised by the library (:class:`kg.errors.KgError`) are turned into
``Error: ...`` on stderr and the documented exit status here, in one place.
Command modules import the library lazily so that ``kg query`` starts fast.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import EXIT_RUNTIME, KgError, ViolationsError

#: command name -> module defining ``command``; imported only when the command runs.
COMMAND_MODULES = {
    "build": "build_cmd", "query": "query_cmd", "sparql": "sparql_cmd",
    "export": "export_cmd", "coverage": "coverage_cmd", "explain": "explain_cmd",
    "stats": "stats_cmd", "push": "push_cmd",
    "check": "check_cmd", "init": "init_cmd", "draft": "draft_cmd",
}


def report_error(e: KgError) -> None:
    click.echo(f"Error: {e.message}", err=True)
    if isinstance(e, ViolationsError) and e.report and e.report.strip() not in e.message:
        click.echo(e.report.rstrip("\n"), err=True)
    if e.hint:
        click.echo(f"Hint: {e.hint}", err=True)


class KgGroup(click.Group):
    """A group that turns library errors into one-line messages and exit statuses.

    Commands are imported lazily, so that ``kg query`` loads only its own module.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        for arg in args:
            if any(0xD800 <= ord(c) <= 0xDFFF for c in arg):
                raw = arg.encode("utf-8", "surrogateescape") if all(
                    0xDC80 <= ord(c) <= 0xDCFF or not 0xD800 <= ord(c) <= 0xDFFF for c in arg
                ) else arg.encode("utf-8", "backslashreplace")
                shown = raw.decode("utf-8", "backslashreplace")
                raise click.UsageError(f"argument '{shown}' is not valid UTF-8", ctx)
        return super().parse_args(ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMAND_MODULES)

    def get_command(self, ctx: click.Context, name: str):
        import importlib

        if name not in COMMAND_MODULES:
            return None
        return importlib.import_module(f"{__name__}.{COMMAND_MODULES[name]}").command

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except KgError as e:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            report_error(e)
            ctx.exit(e.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Error: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(EXIT_RUNTIME)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: internal error ({type(e).__name__}: {e})", err=True)
            click.echo("Hint: rerun with --debug for the traceback, and report it", err=True)
            ctx.exit(EXIT_RUNTIME)


@click.group(cls=KgGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kg")
@click.option("--debug", "--verbose", "debug", is_flag=True,
              help="Show tracebacks for errors.")
@click.option("--project", "project", type=click.Path(file_okay=False), default=None,
              help="Run in the kg project DIR (made by `kg init`) [default: $KG_PROJECT, or "
                   "the current directory when it holds kg-project.toml].")
@click.pass_context
def cli(ctx: click.Context, debug: bool, project: str | None) -> None:
    """kg: a knowledge graph of news reporting, every fact traced to its words.

    \b
    Example:
      kg build && kg query ceasefire-proposals

    \b
    Exit status: 0 ok, 1 runtime error, 2 usage error,
                 3 a check found violations, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from pathlib import Path

    from .. import project as _project

    _project.selected = Path(project) if project else None
    # the choice lasts for this invocation only (the library may run on in-process)
    ctx.call_on_close(lambda: setattr(_project, "selected", None))


def main() -> None:
    cli(prog_name="kg")
