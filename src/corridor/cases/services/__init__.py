"""Writes to cases, one module per sub-domain. Every function is atomic, takes a keyword-only
`actor`, writes the case's timeline and one audit event, and bumps the case's version."""
