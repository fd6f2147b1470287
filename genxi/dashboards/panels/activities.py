"""The activities panel of the dashboards (registered with registry.register)."""
