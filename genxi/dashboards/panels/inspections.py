"""The inspections panel of the dashboards (registered with registry.register)."""
