"""Reading an ``.npz`` archive without trusting it (used by :func:`npae.load`).

``np.load`` reads a member's ``.npy`` header and then allocates whatever it
declares; a 5 KB file can declare a 2 GB string, and a deflated member can
inflate a thousandfold before anything is checked.  Here every member's
header (``np.lib.format.read_magic`` + ``read_array_header_1_0/2_0``, itself
bounded by numpy's ``max_header_size``) is read first, and its data is read
only when

- its dtype is one the caller allows (never an object dtype: no pickle),
- the member's declared size in the zip directory equals header + data,
- that size is one the archive can honestly hold: a stored member no larger
  than its bytes on disk, a deflated one no more than ``MAX_DEFLATE_RATIO``
  times them (DEFLATE cannot do better), and
- the caller's own bound (the shape the metadata implies) agrees.

Data are then read through zipfile's stream, which never returns more than
the declared size and checks the CRC at its end, so a member that would
inflate beyond its declaration is refused without being inflated.  Memory is
therefore bounded by ``MAX_DEFLATE_RATIO`` × the size of the file, and by the
size of the file itself for npae's own (stored) archives.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass

import numpy as np
from numpy.lib import format as npy_format

__all__ = ["SafeNpz", "Member", "UnsafeArchive", "MAX_DEFLATE_RATIO"]

#: DEFLATE's largest possible expansion (a run of identical bytes): 1032 : 1
MAX_DEFLATE_RATIO = 1032


class UnsafeArchive(ValueError):
    """A member that cannot be read within the archive's bounds, or is malformed."""


@dataclass
class Member:
    """One ``.npy`` member as its header declares it (nothing of its data read)."""

    key: str  # the name without ".npy"
    info: zipfile.ZipInfo
    shape: tuple
    dtype: np.dtype
    fortran: bool
    header_bytes: int

    @property
    def data_bytes(self):
        return int(np.prod(self.shape, dtype=object)) * self.dtype.itemsize


class SafeNpz:
    """The members of an ``.npz`` archive, their headers read and checked, data on demand.

    Raises ``zipfile.BadZipFile``/``OSError`` when the file is not a zip archive
    and :class:`UnsafeArchive` for a member that breaks the rules above.
    """

    def __init__(self, path):
        self.path = path
        self.file_size = os.path.getsize(path)
        self._zip = zipfile.ZipFile(path)
        self.members = {}
        for info in self._zip.infolist():
            if not info.filename.endswith(".npy"):
                raise UnsafeArchive(f"member {info.filename!r} is not an .npy array")
            self.members[info.filename[:-4]] = self._header(info)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._zip.close()

    def _header(self, info):
        name = info.filename
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeArchive(f"member {name!r} uses an unsupported compression")
        if info.compress_size > self.file_size:
            raise UnsafeArchive(f"member {name!r} claims {info.compress_size} bytes in a file "
                                f"of {self.file_size}")
        limit = info.compress_size * (MAX_DEFLATE_RATIO if info.compress_type else 1) + 64
        if info.file_size > limit:
            raise UnsafeArchive(f"member {name!r} declares {info.file_size} bytes from "
                                f"{info.compress_size} on disk: more than any archive can hold")
        with self._zip.open(info) as fh:
            version = npy_format.read_magic(fh)
            read = {(1, 0): npy_format.read_array_header_1_0,
                    (2, 0): npy_format.read_array_header_2_0}.get(version)
            if read is None:
                raise UnsafeArchive(f"member {name!r} has .npy format {version}, not 1.0 or 2.0")
            shape, fortran, dtype = read(fh)
            header_bytes = fh.tell()
        member = Member(name[:-4], info, tuple(shape), np.dtype(dtype), bool(fortran),
                        header_bytes)
        if member.dtype.hasobject or member.dtype.fields is not None:
            raise UnsafeArchive(f"member {name!r} holds {member.dtype} values (objects or "
                                "records); npae files hold plain numbers and text only, and "
                                "npae never unpickles (allow_pickle=False)")
        if info.file_size != header_bytes + member.data_bytes:
            raise UnsafeArchive(f"member {name!r} declares shape {member.shape} of {member.dtype} "
                                f"({member.data_bytes} bytes) but the archive says "
                                f"{info.file_size - header_bytes} bytes")
        return member

    def read(self, member):
        """The member's array (a writable copy), read through a bounded stream."""
        with self._zip.open(member.info) as fh:
            fh.read(member.header_bytes)
            raw = fh.read(member.data_bytes)
            if len(raw) != member.data_bytes or fh.read(1):
                raise UnsafeArchive(f"member {member.info.filename!r} is truncated or too long")
        arr = np.frombuffer(raw, dtype=member.dtype)
        return arr.reshape(member.shape, order="F" if member.fortran else "C").copy(order="C")
