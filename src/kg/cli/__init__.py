"""The ``kg`` command line: click commands, each a few lines over the library.

Errors raised by the library (:class:`kg.errors.KgError`) are turned into
``Error: ...`` on stderr and the documented exit status here, in one place.
Command modules import the library lazily so that ``kg query`` starts fast.
"""

from __future__ import annotations

import contextlib
import sys

import click

from kg import __version__
from kg.errors import EXIT_RUNTIME, KgError, ViolationsError

#: command name -> module defining ``command``; imported only when the command runs.
COMMAND_MODULES = {
    "serve": "serve_cmd",
    "build": "build_cmd", "query": "query_cmd", "sparql": "sparql_cmd",
    "export": "export_cmd", "coverage": "coverage_cmd", "explain": "explain_cmd",
    "stats": "stats_cmd", "push": "push_cmd", "show": "show_cmd", "graph": "graph_cmd",
    "check": "check_cmd", "init": "init_cmd", "draft": "draft_cmd",
}


#: The longest line of an error message; longer ones (echoed queries) end in "…".
MAX_MESSAGE_LINE = 1000


def shown(text: str) -> str:
    """Message text for a terminal: controls escaped, every line at most MAX_MESSAGE_LINE."""
    from kg.visible import visible

    lines = visible(text).split("\n")
    return "\n".join(line if len(line) <= MAX_MESSAGE_LINE else
                     line[: MAX_MESSAGE_LINE - 1] + "…" for line in lines)


def _say(text: str) -> None:
    """One message on stderr; nothing (and no crash) when stderr is closed or broken."""
    if sys.stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        click.echo(text, err=True)


def report_error(e: KgError) -> None:
    _say(f"Error: {shown(e.message)}")
    if isinstance(e, ViolationsError) and e.report and e.report.strip() not in e.message:
        _say(shown(e.report.rstrip("\n")))
    if e.hint:
        _say(f"Hint: {shown(e.hint)}")


def _stdout_failed() -> bool:
    """After an OSError: was it stdout that could not take the bytes? (Then stop trying.)"""
    stream = sys.stdout
    if stream is None:
        return False
    try:
        stream.flush()
        return False
    except OSError:
        pass
    _silence_stdout()
    return True


def _echoed_to_stdout(e: BaseException) -> bool:
    """Was ``e`` raised inside ``click.echo`` printing to stdout (a command's report)?"""
    tb = e.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "echo" and "click" in frame.f_code.co_filename \
                and not frame.f_locals.get("err"):
            return True
        tb = tb.tb_next
    return False


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that the interpreter's last flush cannot fail again."""
    import os

    try:
        fd = sys.stdout.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
        sys.stdout.flush()
    except (AttributeError, OSError, ValueError):
        pass


def _as_utf8(arg: str) -> str:
    """An argument decoded as UTF-8 whatever the locale (an ASCII locale leaves its bytes
    as surrogates); unchanged when its bytes are not UTF-8 either."""
    import os

    if not any(0xDC80 <= ord(c) <= 0xDCFF for c in arg):
        return arg
    try:
        return os.fsencode(arg).decode("utf-8")
    except (UnicodeError, ValueError):
        return arg


class KgGroup(click.Group):
    """A group that turns library errors into one-line messages and exit statuses.

    Commands are imported lazily, so that ``kg query`` loads only its own module.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        args[:] = [_as_utf8(arg) for arg in args]
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
            from kg.interop.export import StdoutError

            if isinstance(e, StdoutError):
                _silence_stdout()
            report_error(e)
            ctx.exit(e.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except KeyboardInterrupt:
            _say("Error: interrupted")
            ctx.exit(130)
        except BrokenPipeError:
            _silence_stdout()
            if sys.stderr is not None:
                sys.stderr.close()
            ctx.exit(EXIT_RUNTIME)
        except Exception as e:  # noqa: BLE001 - the last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(e, OSError) and (_echoed_to_stdout(e) or _stdout_failed()):
                _silence_stdout()
                _say(f"Error: cannot write to stdout: {e.strerror or e}")
                ctx.exit(EXIT_RUNTIME)
            _say(f"Error: internal error ({type(e).__name__}: {shown(str(e))})")
            _say("Hint: rerun with --debug for the traceback, and report it")
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
    Examples:
      kg build && kg query proposals
      kg show Türkiye

    \b
    Exit status: 0 ok, 1 runtime error, 2 usage error,
                 3 a check found violations, 130 interrupted.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from pathlib import Path

    from kg import project as _project

    _project.selected = Path(project) if project else None
    # the choice lasts for this invocation only (the library may run on in-process)
    ctx.call_on_close(lambda: setattr(_project, "selected", None))


def main() -> None:
    cli(prog_name="kg")
