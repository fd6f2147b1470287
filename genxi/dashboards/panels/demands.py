"""The demands panel of the dashboards (registered with registry.register)."""
