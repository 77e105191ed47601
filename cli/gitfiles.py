"""Files as they were at a git revision: `REV:PATH` arguments, read through `git show`.

A front end of its own (it runs git), so the engine never sees a repository:
it gets text and a label such as `HEAD~1:scenarios/ai_capex.scn`, which is
also the name diagnostics print.

PATH in `REV:PATH` is read as git reads it: from the top of the repository;
when nothing is there, from the current directory (so `HEAD:model.scn` works
in a subfolder too). A path that exists on disk is always the file on disk,
even if its name holds a colon.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass

from files.reading import MAX_BYTES, UsageError, read_text, too_large


@dataclass(frozen=True)
class Revisioned:
    """A text and the label it is known by."""

    label: str
    text: str
    path: str  # the file's own path, without the revision (its extension says its kind)


def split_spec(spec: str) -> tuple[str | None, str]:
    """`REV:PATH` -> (REV, PATH); a plain path (or one that exists on disk) -> (None, path)."""
    if os.path.exists(spec) or ":" not in spec:
        return None, spec
    rev, path = spec.split(":", 1)
    if not rev or not path:
        raise UsageError(f"{spec}: expected a path or REV:PATH, e.g. HEAD~1:scenarios/model.scn")
    return rev, path


def read_spec(spec: str) -> Revisioned:
    """The text of a path, or of `REV:PATH` read through git."""
    rev, path = split_spec(spec)
    if rev is None:
        return Revisioned(path, read_text(path), path)
    return Revisioned(f"{rev}:{path}", read_at(rev, path), path)


def read_at(rev: str, path: str) -> str:
    """The text of `path` (from the top of the repository, else from here) at `rev`."""
    _check_revision(rev)
    candidates = [path]
    if not path.startswith(("/", "./", "../")):
        candidates.append("./" + path)
    elif os.path.isabs(path):
        candidates = [_from_top(path)]
    for candidate in candidates:
        data = _show(f"{rev}:{candidate}", f"{rev}:{path}")
        if data is not None:
            return _decode(data, f"{rev}:{path}")
    raise UsageError(f"{path} does not exist at revision {rev}"
                     " (a path in REV:PATH is read from the top of the repository)")


def read_working_at(rev: str, path: str) -> Revisioned:
    """For `--rev REV FILE`: FILE (a path on disk) as it was at REV, in FILE's own repository."""
    if not os.path.exists(path):
        raise UsageError(f"{path}: no such file")
    where = os.path.dirname(os.path.abspath(path))
    relative = _from_top(os.path.abspath(path), where)
    _check_revision(rev, where)
    data = _show(f"{rev}:{relative}", f"{rev}:{relative}", cwd=where)
    if data is None:
        raise UsageError(f"{path} does not exist at revision {rev} (a new file has nothing to "
                         "compare with)")
    return Revisioned(f"{rev}:{relative}", _decode(data, f"{rev}:{relative}"), relative)


def _check_revision(rev: str, cwd: str | None = None) -> None:
    done = _git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}",
                cwd=cwd)
    if done.returncode != 0:
        raise UsageError(f"unknown revision '{rev}' (try HEAD, HEAD~1, a branch or a commit)")


def _from_top(absolute: str, cwd: str | None = None) -> str:
    done = _git("rev-parse", "--show-toplevel", cwd=cwd)
    top = os.path.realpath(done.stdout.decode().strip())
    relative = os.path.relpath(os.path.realpath(absolute), top)
    if relative.startswith(".."):
        raise UsageError(f"{absolute} is outside the git repository at {top}")
    return relative.replace(os.sep, "/")


def _git(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(["git", *args], capture_output=True, check=False, cwd=cwd)
    except FileNotFoundError:
        raise UsageError("git is not installed (needed to read REV:PATH)") from None
    if done.returncode != 0 and b"not a git repository" in done.stderr.lower():
        raise UsageError("not inside a git repository (needed to read REV:PATH)")
    return done


def _show(spec: str, label: str, cwd: str | None = None) -> bytes | None:
    """The bytes of `git show REV:PATH` (None when git has no such file), read no further
    than MAX_BYTES: a huge file in a pull request must not fill the memory."""
    try:
        proc = subprocess.Popen(["git", "show", "--end-of-options", spec], cwd=cwd,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise UsageError("git is not installed (needed to read REV:PATH)") from None
    with proc:
        data = proc.stdout.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            proc.kill()
            proc.communicate()
            raise too_large(label)
        proc.communicate()  # the rest: git's message, if any
    return data if proc.returncode == 0 else None


def _decode(data: bytes, label: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: not UTF-8 text") from None
