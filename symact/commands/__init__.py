"""One module per ``symact`` subcommand: ``add_arguments(parser)`` and ``run(args) -> int``."""
