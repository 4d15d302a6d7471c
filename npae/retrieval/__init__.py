"""Retrieval with binary codes: semantic hashing's hash table (Salakhutdinov & Hinton 2009).

:mod:`~npae.retrieval.hash_table`  an index bucketing the database by packed code, lookup
                                    of the query's bucket and of the Hamming ball of radius r
                                    by bit flips, the brute-force scan it is measured
                                    against, precision/recall per radius

The codes come from :class:`npae.SemanticHashingAutoencoder` or the linear hashes of
:mod:`npae.classical.hashing`; retrieval metrics are in :mod:`npae.metrics.retrieval`.
"""

from .hash_table import HammingHashTable, flip_masks, hamming_scan, pack_codes, precision_recall_at_radius

__all__ = ["HammingHashTable", "pack_codes", "flip_masks", "hamming_scan",
           "precision_recall_at_radius"]
