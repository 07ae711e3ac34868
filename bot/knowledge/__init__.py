"""The curated articles of knowledge/{en,fr}/: parsing and validation (articles)."""
