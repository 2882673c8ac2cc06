"""Analysis of the scene: hotspots, rhythms, trends, displacement and near repeats (pure modules)."""
