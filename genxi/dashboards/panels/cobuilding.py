"""The cobuilding panel of the dashboards (registered with registry.register)."""
