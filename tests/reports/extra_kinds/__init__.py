"""A package of extra report kinds, registered by the registry test only."""
