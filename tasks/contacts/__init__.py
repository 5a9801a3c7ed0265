"""Contacts with the debtor: the records and proof of every message, letter, call and visit."""
