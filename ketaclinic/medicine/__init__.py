"""Pure clinical knowledge for ketaclinic: the rules a clinic decides by.

No Django, no database, no clock, no I/O (an import-linter contract proves it). Every figure cites
its section of CLINICAL.md and is listed in docs/clinical-sources.md. Every threshold is a default
a clinic can override through `config.ClinicRules`, within bounds that keep it safe. The software
advises; the physician decides.
"""
