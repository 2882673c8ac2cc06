"""The pure code of siting: typed functions and classes, no Django.

import-linter forbids Django here, mypy checks it strictly; docs/architecture.md explains the layers.
"""
