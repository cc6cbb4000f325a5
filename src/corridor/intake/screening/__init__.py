"""Screening of requests: normalisers, blind indexes, narrative signatures, signals.

Pure parts (normalise, budget, minhash) need no database; `indexes` asks the key
provider for keyed hashes; `services` and `jobs` run the screening task.
"""
