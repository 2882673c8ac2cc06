"""Siting optimiser: where to open consumption rooms and care places.

``solver`` holds the location models (MCLP, p-median, p-center, LSCP) solved exactly with HiGHS,
``costs`` the cost matrices, exclusion zones and demand aggregation, ``io`` the validated CSV
inputs, ``robustness`` the re-solve over several demand sets and ``cli`` the ``observatory site``
commands. All of them are pure: no Django.
"""
