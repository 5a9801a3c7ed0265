"""Payments: `duecourse pay` and `duecourse import-payments` (issue 18, item 1).

A payment is allocated to the case's fees, interest and principal in the policy's order
(policy/payments.yaml), recorded on the `payment` table and on the timeline as
`payment_received` (a partial payment interrupts the limitation period); when nothing is left
outstanding the case closes as paid.
"""
