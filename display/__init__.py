"""How numbers read for people, shared by the command line and the terminal UI:
`styles` (how a unit shows: percent, multiple, currency, count, amount, plain),
`kinds` (each variable's style, from `engine.unit_check`'s units) and `numbers`
(`345.0B`, `32.0%`, `3.80x`, `12,345`, one number of decimals per row).

Pure, like the core: no files, no front ends.
"""
