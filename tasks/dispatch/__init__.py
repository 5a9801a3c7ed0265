"""The contact dispatcher: carries out the day's planned channel actions through the conduct gate
and the channels, in batches (never a task per contact)."""
