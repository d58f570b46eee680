"""Run folders: the files `gigawatt run`, `simulate`, `plan` and `finance` write, and the
readers of those files (`gigawatt compare`). Writers take the pipeline's values; nothing here
computes a result."""
