"""Test support shared by every app's tests: factories and the personas (CONVENTIONS.md §9)."""
