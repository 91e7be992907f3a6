"""test_privacy.py - being written (issue 5)."""
