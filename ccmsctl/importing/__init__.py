"""Bringing an existing estate in: running Asterisk and Kamailio configurations read into
the model, with every line that is not modelled listed."""
