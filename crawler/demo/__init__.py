"""The sample news site served by `veille demo` and used by the tests as a fixture site."""
