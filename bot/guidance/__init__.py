"""What the assistant tells a user: the plan of each reply (routing, answer first), the enrolment route of a
situation (enrolment), the personal checklist (checklist), a stalled file (stalled_file), letters to the CPAM
(letters) and the cost conversation around the calculator (cost). Their words and lists are data (the *.yml here)."""
