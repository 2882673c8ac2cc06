"""The glue of reports: one module per concept; views, the API, the commands and the jobs call it."""
