"""Safe houses: the registry, their capacity and rules, occupancy, and compromise."""
