"""planflow's domain core: plans, work items, deadlines and reports, free of any framework."""
