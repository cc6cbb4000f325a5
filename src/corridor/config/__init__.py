"""Django wiring only: the environment reader, settings, URL configurations and WSGI entry."""
