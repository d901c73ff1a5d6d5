"""Pages of the tip-off app: public (report, status), Open311, office (list, map, detail), management."""
