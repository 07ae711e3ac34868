"""Free text → what it says: the reply language (language), whether a message is a question (phrasing), and what a
message asks beyond its NLU intent (reading)."""
