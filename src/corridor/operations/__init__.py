"""Operator commands at the top layer: setup, demo data, serve and worker.

These orchestrate services of every app, so they live above all of them.
"""
