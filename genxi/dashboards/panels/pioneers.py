"""The pioneers panel of the dashboards (registered with registry.register)."""
