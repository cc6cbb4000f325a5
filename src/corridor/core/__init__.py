"""Shared foundations: base model, clock, typed ids, exceptions, HTTP middleware, logging.

`core` imports no other Corridor app.
"""
