"""The actors of the simulation, one module per app (see simulation.world)."""
