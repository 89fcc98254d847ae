"""REST endpoints of the patient register: the acting clinic's patients, one patient, and a
registration (directly, or of the person behind an inquiry), with the staff form's checks and
its possible-duplicate refusal."""
