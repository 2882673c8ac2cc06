"""The demo: a fictional year of the north-east Paris scene loaded by `make demo` (observatory load-demo).

It sits above every other app (it fills them all), so nothing imports it but the command."""
