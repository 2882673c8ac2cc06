"""What every app's pages share, below all of them: the form style (common/forms.py) and abuse
protection (common/abuse.py: rate limits, proof of work, meeting devices). Not an app: no models."""
