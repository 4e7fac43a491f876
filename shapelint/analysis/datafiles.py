"""The shapes stored in a project's data files, read from their headers without loading them.

Course code gets its training data from files beside it (``scipy.io.loadmat('datasets/data.mat')``
in the regularization assignment): without their shapes, the number of examples and features
of everything downstream is unknown.  Only the headers are read (a few hundred bytes per
variable, decompressed as far as the dimensions), never the data, and nothing is imported:
no scipy is needed.

MATLAB 5 ``.mat`` files: a 128-byte header, then one data element per variable (tag: type and
byte count, or the 4-byte "small element" form), each an ``miMATRIX`` whose first sub-elements
are the array flags (with the class), the dimensions and the name; or an ``miCOMPRESSED``
element holding such a matrix, zlib-compressed.  Version 7.3 files (HDF5) and version 4 files
are not read.
"""

from __future__ import annotations

import os
import struct
import zlib
from typing import Any, Dict, Optional, Tuple

MI_INT8, MI_INT32, MI_UINT32, MI_MATRIX, MI_COMPRESSED = 1, 5, 6, 14, 15
NUMERIC_CLASSES = set(range(6, 16))  # double, single, int8 ... uint64 (not cell, struct, char, sparse)
MAX_VARIABLES = 1000
_HEAD = 512  # decompressed bytes that hold the flags, the dimensions and the name of a matrix

_cache: Dict[Tuple[Any, ...], Optional[Dict[str, Tuple[int, ...]]]] = {}


def mat_shapes(path: str) -> Optional[Dict[str, Tuple[int, ...]]]:
    """Variable name -> shape for the numeric arrays of a MATLAB 5 file (None: not such a file)."""
    return _read_once(path, _read_mat)


def _read_once(path: str, reader) -> Optional[Dict[str, Tuple[int, ...]]]:
    """``reader(file, size)`` once per version of the file; None when it cannot be read."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    key = (path, st.st_mtime, st.st_size, reader)
    if key not in _cache:
        try:
            with open(path, "rb") as fh:
                _cache[key] = reader(fh, st.st_size)
        except (OSError, ValueError, struct.error, zlib.error, KeyError, IndexError):
            _cache[key] = None
    return _cache[key]


def _read_mat(fh, size: int) -> Optional[Dict[str, Tuple[int, ...]]]:
    header = fh.read(128)
    if len(header) < 128 or header[:6] != b"MATLAB":
        return None
    version, = struct.unpack("<H", header[124:126])
    endian = {b"IM": "<", b"MI": ">"}.get(header[126:128])
    if endian is None or version not in (0x0100, 0x0001):
        return None
    out: Dict[str, Tuple[int, ...]] = {}
    position = 128
    while position + 8 <= size and len(out) < MAX_VARIABLES:
        fh.seek(position)
        kind, nbytes = struct.unpack(endian + "II", fh.read(8))
        body_start = position + 8
        if kind == MI_COMPRESSED:
            head = _inflate_head(fh, nbytes)
            position = body_start + nbytes  # compressed elements are not padded
            if len(head) < 8:
                continue
            kind, inner = struct.unpack(endian + "II", head[:8])
            if kind == MI_MATRIX:
                _matrix(head[8:8 + inner], endian, out)
            continue
        position = body_start + nbytes + (-nbytes % 8)
        if kind == MI_MATRIX:
            _matrix(fh.read(min(nbytes, _HEAD)), endian, out)
    return out


def _inflate_head(fh, nbytes: int) -> bytes:
    """The first _HEAD bytes of a zlib stream of ``nbytes`` bytes, read in small chunks."""
    inflater = zlib.decompressobj()
    out = b""
    remaining = nbytes
    while remaining > 0 and len(out) < _HEAD:
        chunk = fh.read(min(remaining, 4096))
        if not chunk:
            break
        remaining -= len(chunk)
        out += inflater.decompress(chunk, _HEAD - len(out))
    return out


def _elements(data: bytes, endian: str):
    """The sub-elements of a matrix: (type, bytes), in order."""
    position = 0
    while position + 8 <= len(data):
        first, second = struct.unpack(endian + "II", data[position:position + 8])
        if first >> 16:  # small data element: type and size in the first 4 bytes, data in the next 4
            if first >> 16 > 4:
                return
            yield first & 0xFFFF, data[position + 4:position + 4 + (first >> 16)]
            position += 8
            continue
        if position + 8 + second > len(data):
            return  # cut short (a truncated file)
        yield first, data[position + 8:position + 8 + second]
        position += 8 + second + (-second % 8)


def _matrix(data: bytes, endian: str, out: Dict[str, Tuple[int, ...]]) -> None:
    parts = []
    for item in _elements(data, endian):
        parts.append(item)
        if len(parts) == 3:
            break
    if len(parts) < 3:
        return
    (flags_type, flags), (dims_type, dims), (name_type, name) = parts
    if flags_type != MI_UINT32 or dims_type != MI_INT32 or name_type != MI_INT8 or len(flags) < 4:
        return
    array_class = struct.unpack(endian + "I", flags[:4])[0] & 0xFF
    if array_class not in NUMERIC_CLASSES or len(dims) % 4:
        return
    shape = struct.unpack(endian + "i" * (len(dims) // 4), dims)
    text = name.decode("ascii", errors="replace")
    if text and all(d >= 0 for d in shape):
        out[text] = tuple(shape)


# -- HDF5 (h5py.File) -------------------------------------------------------------------------
#
# The datasets of a file's root group and their shapes, from the format's version 0/1
# superblock, the root group's symbol table (a version 1 B-tree of symbol table nodes, names
# in a local heap) and each dataset's version 1 object header (its dataspace message).  That
# is what h5py and the HDF5 library write by default; a file written with newer layouts
# (libver="latest") is not read.

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_OBJECTS = 1000
_MAX_READS = 20_000


def h5_shapes(path: str) -> Optional[Dict[str, Tuple[int, ...]]]:
    """Dataset name -> shape for the datasets in an HDF5 file's root group (None: not readable)."""
    return _read_once(path, _read_h5)


def _read_h5(fh, size: int) -> Dict[str, Tuple[int, ...]]:
    return _Hdf5(fh, size).root_datasets()


class _Hdf5:
    def __init__(self, fh, size: int):
        self.fh, self.size = fh, size
        self.reads = 0  # a corrupt file's B-tree may point back at itself: a budget, not a stack limit
        self.base = 0
        # the superblock may sit at 0, 512, 1024, 2048, ...
        offset = 0
        while True:
            if self.read(offset, 8) == _HDF5_SIGNATURE:
                break
            offset = 512 if offset == 0 else offset * 2
            if offset >= size:
                raise ValueError("no HDF5 signature")
        self.base = offset
        head = self.read(offset + 8, 16)
        version = head[0]
        if version not in (0, 1):
            raise ValueError("superblock version %d" % version)
        self.o, self.l = head[5], head[6]  # sizes of offsets and of lengths
        if self.o not in (2, 4, 8) or self.l not in (2, 4, 8):
            raise ValueError("odd offset sizes")
        position = offset + 8 + 16 + (4 if version == 1 else 0)
        position += 4 * self.o  # base, free-space, end-of-file and driver addresses
        self.root_entry = position

    def read(self, address: int, n: int) -> bytes:
        self.reads += 1
        if address < 0 or address + n > self.size or self.reads > _MAX_READS:
            raise ValueError("out of the file, or too many reads")
        self.fh.seek(address)
        data = self.fh.read(n)
        if len(data) < n:
            raise ValueError("short read")
        return data

    def uint(self, data: bytes, at: int, n: int) -> int:
        return int.from_bytes(data[at:at + n], "little")

    def entry(self, address: int) -> Tuple[int, int, int, bytes]:
        """A symbol table entry: (name offset, object header address, cache type, scratch pad)."""
        o = self.o
        data = self.read(address, 2 * o + 8 + 16)
        return (self.uint(data, 0, o), self.uint(data, o, o) + self.base, self.uint(data, 2 * o, 4),
                data[2 * o + 8:2 * o + 24])

    def root_datasets(self) -> Dict[str, Tuple[int, ...]]:
        _, header, cache_type, scratch = self.entry(self.root_entry)
        if cache_type == 1:
            btree, heap = self.uint(scratch, 0, self.o), self.uint(scratch, self.o, self.o)
        else:
            btree, heap = self.symbol_table_message(header)
        names = self.local_heap(heap + self.base)
        out: Dict[str, Tuple[int, ...]] = {}
        for name_offset, object_header in self.group_entries(btree + self.base, 0):
            end = names.find(b"\0", name_offset)
            name = names[name_offset:end if end >= 0 else len(names)].decode("utf-8", errors="replace")
            shape = self.dataspace(object_header)
            if name and shape is not None:
                out[name] = shape
            if len(out) >= _MAX_OBJECTS:
                break
        return out

    def local_heap(self, address: int) -> bytes:
        o, l = self.o, self.l
        data = self.read(address, 8 + 2 * l + o)
        if data[:4] != b"HEAP":
            raise ValueError("no local heap")
        size = self.uint(data, 8, l)
        segment = self.uint(data, 8 + 2 * l, o) + self.base
        return self.read(segment, min(size, 1 << 20))

    def group_entries(self, address: int, depth: int):
        """(name offset, object header address) of each entry under a group B-tree node."""
        if depth > 32:
            raise ValueError("B-tree too deep")
        o, l = self.o, self.l
        head = self.read(address, 8 + 2 * o)
        if head[:4] != b"TREE" or head[4] != 0:
            raise ValueError("no group B-tree")
        level, used = head[5], self.uint(head, 6, 2)
        body = self.read(address + 8 + 2 * o, used * (l + o) + l)
        for i in range(min(used, _MAX_OBJECTS)):
            child = self.uint(body, l + i * (l + o), o) + self.base
            if level > 0:
                yield from self.group_entries(child, depth + 1)
                continue
            node = self.read(child, 8)
            if node[:4] != b"SNOD":
                raise ValueError("no symbol table node")
            count = self.uint(node, 6, 2)
            size = 2 * o + 24
            for k in range(min(count, _MAX_OBJECTS)):
                name_offset, header, _, _ = self.entry(child + 8 + k * size)
                yield name_offset, header

    def messages(self, address: int):
        """(type, data) of the messages of a version 1 object header, continuations followed."""
        head = self.read(address, 16)
        if head[0] != 1:
            return  # a version 2 header ("OHDR"): not read
        count = self.uint(head, 2, 2)
        blocks = [(address + 16, self.uint(head, 8, 4))]
        seen = 0
        while blocks and seen < min(count, 4096):
            start, length = blocks.pop(0)
            data = self.read(start, length)
            position = 0
            while position + 8 <= len(data) and seen < count:
                kind, size = self.uint(data, position, 2), self.uint(data, position + 2, 2)
                body = data[position + 8:position + 8 + size]
                seen += 1
                if kind == 0x10 and len(body) >= self.o + self.l:  # continuation
                    blocks.append((self.uint(body, 0, self.o) + self.base, self.uint(body, self.o, self.l)))
                else:
                    yield kind, body
                position += 8 + size

    def symbol_table_message(self, header: int) -> Tuple[int, int]:
        for kind, body in self.messages(header):
            if kind == 0x11:
                return self.uint(body, 0, self.o), self.uint(body, self.o, self.o)
        raise ValueError("a group without a symbol table")

    def dataspace(self, header: int) -> Optional[Tuple[int, ...]]:
        is_dataset, shape = False, None
        for kind, body in self.messages(header):
            if kind == 0x0001 and len(body) >= 8:
                version, rank = body[0], body[1]
                start = 8 if version == 1 else 4
                if version == 2 and body[3] == 2:  # a null dataspace
                    continue
                if len(body) >= start + rank * self.l:
                    shape = tuple(self.uint(body, start + i * self.l, self.l) for i in range(rank))
            elif kind in (0x0003, 0x0008):  # datatype, data layout: a dataset, not a group
                is_dataset = True
        return shape if is_dataset else None


# -- NumPy's own files (np.load) -------------------------------------------------------------

def npy_shape(path: str) -> Optional[Tuple[int, ...]]:
    """The shape in a ``.npy`` file's header (None: not such a file, or an object array)."""
    try:
        with open(path, "rb") as fh:
            return _npy_header(fh)
    except (OSError, ValueError, SyntaxError, TypeError):
        return None


def npz_shapes(path: str) -> Optional[Dict[str, Tuple[int, ...]]]:
    """Array name -> shape for the arrays of an ``.npz`` archive (each member's header only)."""
    import zipfile

    try:
        out: Dict[str, Tuple[int, ...]] = {}
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:MAX_VARIABLES]:
                if not info.filename.endswith(".npy"):
                    continue
                with archive.open(info) as member:
                    shape = _npy_header(member)
                if shape is not None:
                    out[info.filename[:-4]] = shape
        return out
    except (OSError, ValueError, SyntaxError, TypeError, zipfile.BadZipFile, EOFError, zlib.error):
        return None


def _npy_header(fh) -> Optional[Tuple[int, ...]]:
    import numpy.lib.format as npformat

    version = npformat.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = npformat.read_array_header_1_0(fh)
    elif version in ((2, 0), (3, 0)):
        shape, _, dtype = npformat.read_array_header_2_0(fh)
    else:
        return None
    if dtype.hasobject:
        return None  # pickled objects: np.load refuses them by default
    return tuple(int(d) for d in shape)
