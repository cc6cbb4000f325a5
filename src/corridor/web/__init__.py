"""The staff interface: server-rendered pages, navigation per role, local assets only."""
