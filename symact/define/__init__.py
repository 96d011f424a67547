"""Define: the data model of an activation, the built-in catalogue, and user definitions.

:mod:`.model` (entries, parameters, constraints), :mod:`.catalogue` (the
built-in definitions, data only), :mod:`.parse` (the whitelist parser for
expressions typed on the command line) and :mod:`.userdef` (a user's
activation for ``symact new``).
"""
