"""test_rights.py - being written (issue 5)."""
