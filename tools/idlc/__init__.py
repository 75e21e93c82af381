"""idlc: the mapirt IDL compiler.

Pipeline: lexer -> parser -> model (immutable NamedTuples, each node with its Loc) -> validate ->
lower (C names, slot lists, sorted tables) -> render (one Jinja2 template per output kind) ->
write (atomic, only when the bytes change). `compile_files()` returns {relative path: text};
only `write` touches the disk.
"""
