"""The meetings panel of the dashboards (registered with registry.register)."""
