"""test_users.py - being written (issue 5)."""
