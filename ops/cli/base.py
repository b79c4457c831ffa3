"""What every command shares: error handling that prints one line, and JSON output."""

from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import date, datetime
from typing import Any

import click

from newswatch.errors import NewswatchError


def run_main(cli: click.Group) -> None:
    """Run the CLI; known errors become one line on stderr and exit code 1, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # usage errors: unknown option, bad argument, ...
        message = exc.format_message()
        if isinstance(exc, click.UsageError) and exc.ctx is not None:
            message = f"{message} (see `{exc.ctx.command_path} --help`)"
        click.echo(f"error: {message}", err=True)
        sys.exit(exc.exit_code if exc.exit_code != 2 else 1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except NewswatchError as exc:  # bad input, bad config, an unreachable database (TransientError)
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        # `newswatch feeds list | head`: the reader went away; that is not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except Exception as exc:  # a bug: still one line unless asked for the traceback
        if os.environ.get("NEWSWATCH_DEBUG"):
            traceback.print_exc()
        else:
            click.echo(f"internal error: {type(exc).__name__}: {exc} (NEWSWATCH_DEBUG=1 shows more)", err=True)
        sys.exit(2)
    sys.exit(0)


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(value: Any, *, indent: int | None = None) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, indent=indent)


def echo_json(value: Any) -> None:
    click.echo(dumps(value, indent=2))
