"""Aggregate figures for the organisation, funders and the public: counts from plain
columns only (this app never imports the vault), small-cell suppression, charts and
exports."""
