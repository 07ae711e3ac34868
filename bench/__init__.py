"""`make bench`: our assistant against a plain `rasa init` assistant measured in the same run (docs/benchmarks.md)."""
