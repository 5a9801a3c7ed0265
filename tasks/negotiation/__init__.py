"""Negotiation: promises to pay, disputes and defences, repayment plans (issue 18)."""
