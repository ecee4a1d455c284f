"""What every command line shares: one-line refusals, and output directories checked first.

Each vendorsim command refuses bad input the same way, before any work and with nothing
written: one line on stderr naming the argument, its value and what is allowed, and exit code
2. argparse's own refusals (an unknown argument, a value of the wrong type, a missing one)
print the usage first and then the message; :class:`CommandLine` prints the message alone.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import NoReturn

from vendorsim.provenance import version_line

# Below this much free space even a run's config files may not fit: refuse at once.
MIN_FREE_BYTES = 2**20
# The longest file name most file systems take (ext4, XFS, APFS, NTFS), where none is given.
DEFAULT_NAME_MAX = 255


def refuse(prog: str, message: str) -> NoReturn:
    """Bad input: ``prog: error: message`` as one line on stderr, and exit code 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(2)


class _Version(argparse.Action):
    """``--version``: :func:`version_line`, read only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the versions and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> NoReturn:
        print(version_line())
        parser.exit()


class CommandLine(argparse.ArgumentParser):
    """An argument parser whose every refusal is one line (:func:`refuse`), with a pointer to
    the help instead of the usage, and a ``--version``.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.add_argument("--version", action=_Version)

    def error(self, message: str) -> NoReturn:
        """Refuse in one line what argparse itself refuses (an argument's own type may have
        said what is allowed already).
        """
        if "; allowed: " not in message:
            message += f"; allowed: see `{self.prog} --help`"
        refuse(self.prog, message)


def message_line(exc: BaseException) -> str:
    """The first line of an exception's message (its type's name if it has none), so that
    a refusal that quotes it stays one line.
    """
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]


def nonempty(text: str) -> str:
    """An argument naming a file or directory, as given: refused when empty, which is most
    often an unset shell variable (``--out "$OUT"``) and would otherwise mean the current
    directory.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is an empty path; allowed: a path")
    return text


def a_path(text: str) -> Path:
    """:func:`nonempty`, as a Path."""
    return Path(nonempty(text))


def override_key(override: str) -> str:
    """The bare key of a Hydra override string: ``+a.b=1`` gives ``a.b``."""
    return override.partition("=")[0].lstrip("+~")


def _nearest_existing(path: str | os.PathLike[str]) -> Path:
    """``path`` itself if it exists, else its nearest existing ancestor."""
    existing = Path(path).absolute()
    # os.path.exists, not Path.exists: a name too long for the file system raises there.
    while not os.path.exists(existing):
        existing = existing.parent
    return existing


def too_long(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` cannot be made, when one of its names is longer than its file system
    allows, and what is allowed (the end of a refusal's line); None if every name fits.
    """
    try:
        limit = os.pathconf(_nearest_existing(path), "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # not POSIX, or no limit to ask for
        limit = DEFAULT_NAME_MAX
    for name in Path(path).parts:
        size = len(os.fsencode(name))
        if size > limit:
            return f"has a name of {size} bytes; allowed: names of at most {limit} bytes"
    return None


def unwritable(directory: str | os.PathLike[str]) -> str | None:
    """Why ``directory`` cannot be created and written, and what is allowed (the end of a
    refusal's line), or None if it can.

    Tried for real, in its nearest existing ancestor, with a temporary directory removed at
    once: the permission bits say yes to root even where nothing can be created (``/proc``).
    """
    # A name too long fails only when it is made, after the work: refused here, before it.
    long = too_long(directory)
    if long is not None:
        return long
    existing = _nearest_existing(directory)
    writable = "allowed: a directory you can write to"
    if not existing.is_dir():
        return f"is not writable ({str(existing)!r} is not a directory); {writable}"
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".vendorsim-check-", dir=existing))
    except OSError as exc:
        return f"is not writable ({exc.strerror}); {writable}"
    free = shutil.disk_usage(existing).free
    if free < MIN_FREE_BYTES:
        return (
            f"has only {free // 1024} kB free; allowed: a directory on a disk with at least "
            f"{MIN_FREE_BYTES // 2**20} MB free"
        )
    return None


def check_writable(prog: str, key: str, directory: str | os.PathLike[str]) -> None:
    """Refuse (:func:`refuse`) an output ``directory``, given as ``key``, that
    :func:`unwritable` says cannot be written.
    """
    problem = unwritable(directory)
    if problem is not None:
        refuse(prog, f"{key}={str(directory)!r} {problem}")
