"""Genxi (根系): party-building-led grassroots governance for streets and communities."""
