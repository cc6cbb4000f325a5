"""Legal routes to safety: the reviewed catalog, declarative eligibility, plans and ranking.

The catalog is data (YAML files under `catalog/`, versioned in the database);
`matching` and `ranking` are pure functions over it and a person's facts.
"""
