"""Argon2id with small parameters, for the test suite only (the product uses Django's
defaults). Still Argon2: tests that count hash calls count this class's calls."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 1024
    parallelism = 1
