"""Field activity: organisations, outreach rounds, police operations, care places and the plan."""
