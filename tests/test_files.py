"""The one writer (`files.writing`): what it replaces, what it writes through, what it keeps.

Never a real device: special files are FIFOs made in tmp_path (with a reader
thread), and /dev/full is reached only through a symbolic link in tmp_path,
once the test before it has shown that a special file is written through
and never renamed over.
"""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from files import writing
from files.reading import UsageError
from files.writing import write_file

TEXT = "years 2024..2025\nx = 1\n"
NEW = "years 2024..2025\nx = 2\n"


def test_a_new_file_is_created_with_the_umask_applied(tmp_path):
    path = tmp_path / "out.csv"
    old = os.umask(0o027)
    try:
        write_file(str(path), "a,b\n")
    finally:
        os.umask(old)
    assert path.read_text() == "a,b\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left


def test_a_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    path.chmod(0o640)
    before = path.stat().st_ino
    write_file(str(path), NEW)
    assert path.read_text() == NEW
    assert path.stat().st_ino != before  # a new file took the name: readers never see half
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["m.scn"]


def test_bytes_and_line_ends_are_written_as_given(tmp_path):
    path = tmp_path / "m.scn"
    write_file(str(path), "a\r\nb\n")
    assert path.read_bytes() == b"a\r\nb\n"
    write_file(str(path), b"\x00\xff")
    assert path.read_bytes() == b"\x00\xff"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_another_users_file_stays_theirs(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    os.chown(path, 12345, 23456)
    path.chmod(0o664)
    write_file(str(path), NEW)
    st = path.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o664)
    assert path.read_text() == NEW


def test_a_symlink_is_kept_and_its_target_written(tmp_path):
    target = tmp_path / "real.scn"
    target.write_text(TEXT)
    link = tmp_path / "link.scn"
    link.symlink_to("real.scn")
    write_file(str(link), NEW)
    assert link.is_symlink() and os.readlink(link) == "real.scn"
    assert target.read_text() == NEW


def test_a_chain_of_symlinks_and_a_dangling_one(tmp_path):
    (tmp_path / "sub").mkdir()
    target = tmp_path / "sub" / "real.scn"
    target.write_text(TEXT)
    (tmp_path / "a.scn").symlink_to("b.scn")
    (tmp_path / "b.scn").symlink_to("sub/real.scn")
    write_file(str(tmp_path / "a.scn"), NEW)
    assert (tmp_path / "a.scn").is_symlink() and (tmp_path / "b.scn").is_symlink()
    assert target.read_text() == NEW
    dangling = tmp_path / "dangling.scn"
    dangling.symlink_to("sub/later.scn")
    write_file(str(dangling), TEXT)
    assert dangling.is_symlink() and (tmp_path / "sub" / "later.scn").read_text() == TEXT


def test_hard_links_stay_one_file(tmp_path):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    other = tmp_path / "other-name.scn"
    os.link(path, other)
    write_file(str(path), NEW + "# longer than before\n")
    assert other.read_text() == NEW + "# longer than before\n"
    assert path.stat().st_ino == other.stat().st_ino and path.stat().st_nlink == 2
    write_file(str(other), "x")  # shorter: the rest is cut off
    assert path.read_text() == "x"


def test_in_place_a_failed_write_puts_the_old_bytes_back(tmp_path, monkeypatch):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    os.link(path, tmp_path / "other.scn")
    real = os.ftruncate
    calls = []

    def failing(fd, length):
        calls.append(length)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")
        return real(fd, length)

    monkeypatch.setattr(writing.os, "ftruncate", failing)
    with pytest.raises(UsageError, match="m.scn: cannot write: Input/output error"):
        write_file(str(path), "short")
    assert path.read_text() == TEXT


def test_in_place_no_space_changes_nothing(tmp_path, monkeypatch):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    os.link(path, tmp_path / "other.scn")

    def full(fd, offset, length):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.os, "posix_fallocate", full)
    with pytest.raises(UsageError, match="No space left on device"):
        write_file(str(path), TEXT * 100)
    assert path.read_text() == TEXT


def test_a_failed_atomic_write_leaves_the_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "m.scn"
    path.write_text(TEXT)

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writing.os, "fsync", no_space)
    with pytest.raises(UsageError, match="m.scn: cannot write: No space left on device"):
        write_file(str(path), NEW)
    assert path.read_text() == TEXT
    assert [p.name for p in tmp_path.iterdir()] == ["m.scn"]


def test_no_temporary_file_allowed_beside_it_writes_in_place(tmp_path, monkeypatch):
    # A directory we may not write to (as a non-root user), with a file we may write.
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    before = path.stat().st_ino

    def denied(target, mode):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(writing, "_temporary", denied)
    write_file(str(path), NEW)
    assert path.read_text() == NEW and path.stat().st_ino == before


def test_an_owner_that_cannot_be_kept_writes_in_place(tmp_path, monkeypatch):
    # A non-root user rewriting another user's group-writable file: a rename would make
    # it theirs, so the file is written in place and stays its owner's.
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    before = path.stat().st_ino
    real_fstat = os.fstat

    def other_owner(fd):  # the new temporary file seems to belong to someone else
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid + 1,
                               st.st_gid, st.st_size, st.st_atime, st.st_mtime, st.st_ctime))

    def not_allowed(fd, uid, gid):
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(writing.os, "fstat", other_owner)
    monkeypatch.setattr(writing.os, "fchown", not_allowed)
    write_file(str(path), NEW)
    assert path.read_text() == NEW and path.stat().st_ino == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.scn"]


def test_a_directory_is_refused(tmp_path):
    with pytest.raises(UsageError, match="cannot write: it is a directory"):
        write_file(str(tmp_path), TEXT)


def _fifo_with_reader(path: Path):
    os.mkfifo(path)
    got: list[bytes] = []

    def read():
        with open(path, "rb") as f:
            got.append(f.read())
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return got, reader


def test_a_fifo_is_written_through_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    got, reader = _fifo_with_reader(fifo)
    write_file(str(fifo), NEW)
    reader.join(10)
    assert got == [NEW.encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the FIFO, not a regular file
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_a_symlink_to_a_fifo_is_written_through(tmp_path):
    fifo = tmp_path / "pipe"
    got, reader = _fifo_with_reader(fifo)
    (tmp_path / "link").symlink_to("pipe")
    write_file(str(tmp_path / "link"), NEW)
    reader.join(10)
    assert got == [NEW.encode()]
    assert (tmp_path / "link").is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_device_that_fails_reports_and_stays_a_device(tmp_path, monkeypatch):
    # /dev/full is reached by a link in tmp_path, and only once this same test has shown
    # that a special file is written through; renames are disabled besides, so that even
    # a broken writer could not replace the device.
    if not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full device here")

    def no_rename(*args):
        raise AssertionError(f"a rename while writing a device: {args}")
    monkeypatch.setattr(writing.os, "replace", no_rename)
    monkeypatch.setattr(writing.os, "rename", no_rename)
    fifo = tmp_path / "pipe"
    got, reader = _fifo_with_reader(fifo)
    write_file(str(fifo), NEW)
    reader.join(10)
    assert got == [NEW.encode()]
    link = tmp_path / "full"
    link.symlink_to("/dev/full")
    with pytest.raises(UsageError, match="full: cannot write: No space left on device"):
        write_file(str(link), NEW)
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode) and link.is_symlink()


def test_the_ui_saves_without_command_line_code(tmp_path):
    # The Textual session writes through files.writing alone: saving loads no cli.main,
    # cli.common or cli.commands (they were its writer before).
    path = tmp_path / "m.scn"
    path.write_text(TEXT)
    code = f"""
import sys
from tui.session import Session
s = Session.open({str(path)!r})
s.apply(s.editor("base", "x", 2024, False).target, "3")
s.save()
print(sorted(m for m in sys.modules if m.startswith(("cli.main", "cli.common", "cli.commands"))))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "[]\n"
    assert path.read_text() == "years 2024..2025\nx = 3\n"
