"""The projects panel of the dashboards (registered with registry.register)."""
