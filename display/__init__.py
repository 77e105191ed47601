"""How numbers read for people, shared by the command line and the terminal UI.

Pure, like the core: no files, no front ends.
"""
