"""A simulated city (pure: NumPy, no Django): agents who use drugs, scene places, dealing points,
police operations, consumption rooms, outreach rounds and residents who report what they see.

Gives ground truth for tests, demo data for the app and what-if scenarios (``docs/simulation.md``).
"""
