"""Residents' consultations on candidate sites: options with evidence, votes, arguments, results."""
