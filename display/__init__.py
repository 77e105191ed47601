"""How numbers read for people, shared by the command line and the terminal UI:
`kinds` (which variables read as percentages) and `numbers` (`345.0B`, `32.0%`).

Pure, like the core: no files, no front ends.
"""
