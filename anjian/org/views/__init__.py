"""Pages of the organisation app, split by aggregate."""
