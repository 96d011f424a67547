"""Emit: stable forms printed by each backend's printer into its templates.

:mod:`.backend` is the interface a backend implements and :mod:`.registry`
lists the backends; each lives in its own package (:mod:`.numpy`, :mod:`.c`)
with its printer, its runtime (real source files) and its loader.
:mod:`.generate` renders every backend's outputs atomically, :mod:`.render` is
the strict Jinja2 environment and the generated-file header, :mod:`.printing`
and :mod:`.literals` are what the printers share, and :mod:`.constants` is the
one data file of polynomial fits and tables, with the script that computes it.
"""
