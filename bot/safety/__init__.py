"""Safety around every message: personal data redacted (privacy), unusable input caught (guard), per-sender rate
limit (ratelimit), urgency recognised so emergency numbers come first (urgency)."""
