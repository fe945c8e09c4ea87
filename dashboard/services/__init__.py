"""What users may do, checked by role and written with its audit entry in one transaction."""
