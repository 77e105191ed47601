"""Writing files: the one writer behind `-o`, `scn fmt` and the terminal UI's save.

A file is written the way careful editors write it, so that writing never
changes *which* file a name means, who owns it, or what else links to it:

- A symbolic link is followed: its target is written and the link stays a
  link (`os.path.realpath`; a dangling link creates its target).
- A regular file, or a new one, is replaced atomically: the bytes go to a
  temporary file beside it, reach the disk (fsync), and only then take the
  name (rename). A reader, or a crash, sees the old file or the new one,
  never half of one. The new file gets the old one's permission bits, owner
  and group, so a file root reformats stays its owner's.
- A regular file is written in place instead when a rename would change
  what it is: it has several hard links (a rename would split them), its
  owner cannot be kept (another user's group-writable file), or no
  temporary file can be made beside it (a directory we may not write). The
  new bytes are complete in memory first; the space they need is reserved
  before any old byte is overwritten, and a failure part-way writes the old
  bytes back.
- A device, FIFO or socket is written through and never replaced: a rename
  over `/dev/null` would leave a regular file where the device was.
- An open descriptor named as a file (`/dev/stdout`, `/dev/fd/N`,
  `/proc/self/fd/N`) is written through, appending: it may be a file the
  shell opened (`-o /dev/stdout >> log`), which a rename would replace.
- A directory is refused.

Every failure is a `UsageError` naming the path and the reason, and leaves
the file as it was. The core never writes files; the command line and the
Textual session both import this module (it imports no command-line code).
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
import time

from files.reading import UsageError

NEW_FILE_MODE = 0o666  # before the umask, as any program creating a file
FIFO_POLL = 0.05  # seconds between looks for a FIFO's reader
_DESCRIPTOR = re.compile(r"/(dev|proc/[^/]+)/fd/\d+|/dev/std(out|err)")


def write_file(path: str, data: str | bytes, new_mode: int | None = None) -> None:
    """Write `data` (text is written as UTF-8, line ends as given) to `path`.

    `new_mode` sets the permission bits of a file that does not exist yet
    (the umask still applies); an existing file keeps its own.
    """
    content = data.encode("utf-8") if isinstance(data, str) else data
    try:
        _write(path, content, new_mode)
    except OSError as e:
        raise UsageError(f"{path}: cannot write: {e.strerror or e}") from None


def _write(path: str, content: bytes, new_mode: int | None) -> None:
    try:
        st = os.stat(path)  # follows symbolic links: the file the name means
    except FileNotFoundError:
        st = None
    target = os.path.realpath(path)
    if st is not None and _names_a_descriptor(path):
        _write_through(path, content, stat.S_ISFIFO(st.st_mode), os.O_APPEND)
    elif st is None:
        _replace(target, content, None, NEW_FILE_MODE if new_mode is None else new_mode)
    elif stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "it is a directory")
    elif not stat.S_ISREG(st.st_mode):
        _write_through(target, content, stat.S_ISFIFO(st.st_mode))
    elif st.st_nlink > 1:
        _write_in_place(target, content)
    else:
        try:
            _replace(target, content, st, None)
        except _CannotReplace:
            _write_in_place(target, content)


class _CannotReplace(Exception):
    """A rename would not keep the file what it was: write it in place instead."""


def _replace(target: str, content: bytes, old: os.stat_result | None,
             new_mode: int | None) -> None:
    """Atomically: a temporary file in the same directory, fsync, then a rename over `target`."""
    directory = os.path.dirname(target)
    try:
        fd, tmp = _temporary(target, new_mode)
    except OSError as e:
        if old is not None and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            raise _CannotReplace from None  # the file may still be writable itself
        raise
    try:
        if old is not None:
            _keep_owner_and_mode(fd, old)
        _write_all(fd, content)
        os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, target)
        tmp = None
        _sync_directory(directory)
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def _temporary(target: str, mode: int | None) -> tuple[int, str]:
    """A new file beside `target`, created with `mode` less the umask (as `open` would)."""
    directory, name = os.path.split(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.scn-tmp")
        try:
            return os.open(tmp, flags, 0o600 if mode is None else mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name")


def _keep_owner_and_mode(fd: int, old: os.stat_result) -> None:
    """Give the new file the old one's owner, group and permission bits (in that order:
    changing the owner clears set-user-ID bits)."""
    new = os.fstat(fd)
    uid = old.st_uid if old.st_uid != new.st_uid else -1
    gid = old.st_gid if old.st_gid != new.st_gid else -1
    if uid != -1 or gid != -1:
        try:
            os.fchown(fd, uid, gid)
        except PermissionError:
            raise _CannotReplace from None
    os.fchmod(fd, stat.S_IMODE(old.st_mode))


def _write_in_place(target: str, content: bytes) -> None:
    """Overwrite the file's bytes, keeping its inode (links, owner, mode, ACLs)."""
    fd = os.open(target, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    try:
        old = _read_all(fd)
        if len(content) > len(old):
            _reserve(fd, len(old), len(content) - len(old))
        try:
            _write_all(fd, content, 0)
            os.ftruncate(fd, len(content))
            os.fsync(fd)
        except OSError:
            try:  # put the old bytes back: a failed save leaves the file as it was
                _write_all(fd, old, 0)
                os.ftruncate(fd, len(old))
                os.fsync(fd)
            except OSError:
                pass
            raise
    finally:
        os.close(fd)


def _reserve(fd: int, offset: int, length: int) -> None:
    """Claim the disk space past the end of the file before overwriting anything."""
    try:
        os.posix_fallocate(fd, offset, length)
    except OSError as e:
        if e.errno not in (errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS):
            raise  # ENOSPC, EFBIG: nothing was changed yet


def _names_a_descriptor(path: str) -> bool:
    """Whether `path`, or a link on the way to its target, is an open descriptor's name."""
    for _ in range(40):  # as many links as the kernel follows
        if _DESCRIPTOR.match(os.path.normpath(path)):
            return True
        if not os.path.islink(path):
            return False
        path = os.path.join(os.path.dirname(path), os.readlink(path))
    return False


def _write_through(target: str, content: bytes, fifo: bool, extra_flags: int = 0) -> None:
    """A device, FIFO or socket: open it and write (a FIFO waits for a reader, as `>` does)."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | extra_flags
    while True:
        try:
            fd = os.open(target, flags)
            break
        except OSError as e:
            if not (fifo and e.errno == errno.ENXIO):
                raise
            # No reader yet. Waiting here rather than in a blocking open() keeps Ctrl+C
            # working: the signal may reach another thread (polars'), which cannot
            # interrupt a system call of the main thread.
            time.sleep(FIFO_POLL)
    try:
        os.set_blocking(fd, True)
        _write_all(fd, content)
    finally:
        os.close(fd)


def _write_all(fd: int, content: bytes, offset: int | None = None) -> None:
    view = memoryview(content)
    while view:
        n = os.write(fd, view) if offset is None else os.pwrite(fd, view, offset)
        if offset is not None:
            offset += n
        view = view[n:]


def _read_all(fd: int) -> bytes:
    chunks = []
    offset = 0
    while chunk := os.pread(fd, 1 << 20, offset):
        chunks.append(chunk)
        offset += len(chunk)
    return b"".join(chunks)


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (where the file system allows it)."""
    try:
        fd = os.open(directory or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
