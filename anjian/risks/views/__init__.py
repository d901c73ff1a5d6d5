"""Pages of the risk register, split by aggregate: points, enterprise levels, map, priority and settings."""
