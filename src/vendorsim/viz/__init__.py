"""Workshop figures, the report and the dashboard."""
