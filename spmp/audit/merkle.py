"""The Merkle tree hash of RFC 6962 (Certificate Transparency), section 2.1, and its inclusion proofs.

Leaves and nodes are domain-separated (``0x00`` before a leaf, ``0x01`` before two children), so a leaf can
never be passed off as a node. The tree over ``n`` leaves splits at the largest power of two below ``n``;
a log that only grows is then described by its *frontier*: the roots of the perfect subtrees that make up
``[0, n)``, largest first (at most one per bit of ``n``). Appending a leaf and computing the new root cost
O(log n), so the sequencer never re-reads the log.

Only the RFC's functions, checked against the RFC 6962 / certificate-transparency test vectors in the tests.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: list[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes (RFC 6962 2.1)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    if len(leaf_hashes) == 1:
        return leaf_hashes[0]
    k = split(len(leaf_hashes))
    return node_hash(root(leaf_hashes[:k]), root(leaf_hashes[k:]))


# --- a growing tree: the frontier ---------------------------------------------------------------------
Frontier = list[tuple[int, bytes]]  # (level, hash) of each perfect subtree, leftmost (largest) first


def append(frontier: Frontier, size: int, leaf: bytes, on_node: Callable[[int, int, bytes], None] | None = None) -> int:
    """Add one leaf hash at index ``size``; returns the new size. ``on_node(level, index, hash)`` is told of
    every perfect subtree completed (level >= 1): the sequencer keeps the higher ones for proofs."""
    frontier.append((0, leaf))
    size += 1
    while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
        (level, right), (_, left) = frontier.pop(), frontier.pop()
        merged = node_hash(left, right)
        frontier.append((level + 1, merged))
        if on_node is not None:
            on_node(level + 1, (size >> (level + 1)) - 1, merged)
    return size


def frontier_root(frontier: Frontier) -> bytes:
    """The root of the tree the frontier describes (folded from the right, as MTH splits)."""
    if not frontier:
        return EMPTY_ROOT
    result = frontier[-1][1]
    for _level, subtree in reversed(frontier[:-1]):
        result = node_hash(subtree, result)
    return result


# --- inclusion proofs -----------------------------------------------------------------------------------
def inclusion_path(index: int, size: int, subtree: Callable[[int, int], bytes]) -> list[bytes]:
    """PATH(m, D[n]) of RFC 6962 2.1.1, with ``subtree(start, end)`` giving MTH(D[start:end])."""
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = split(end - start)
        if index < start + k:
            path.append(subtree(start + k, end))
            end = start + k
        else:
            path.append(subtree(start, start + k))
            start += k
    path.reverse()  # the RFC lists the sibling nearest the leaf first
    return path


def root_from_path(index: int, size: int, leaf: bytes, path: Iterable[bytes]) -> bytes:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2); raises ValueError for a malformed proof."""
    if not 0 <= index < size:
        raise ValueError("indeks daun di luar ukuran pohon")
    path = list(path)
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            raise ValueError("bukti terlalu panjang")
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, sibling)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ValueError("bukti terlalu pendek")
    return result
