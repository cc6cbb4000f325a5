"""Cases: households and their links, phases, milestones and flags, risk, contact protocols
and incidents, tasks, notes, costs, placements and travel legs, the timeline, erasure."""
