"""The pipeline every route runs: a reader, the stages in order, a writer.

`core` runs it, `build` assembles it from the validated configuration; the
readers and writers of each route are in `streams` and `krm`.
"""
