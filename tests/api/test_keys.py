"""test_keys.py - being written (issue 5)."""
