"""The venues panel of the dashboards (registered with registry.register)."""
