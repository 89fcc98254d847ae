"""REST endpoints of a patient's intake and eligibility: the intake (saved as a draft, submitted,
amended) with the rules' advice, its versions, and the physician's signed decisions and their
addenda. Each goes through the patient access door and the same services as the staff pages."""
