"""The simulator: synthetic worlds of illicit flows with known ground truth (DESIGN.md §6).

It shares no code with the estimators — only the record model and the reference data — so a
validation against it cannot pass by sharing an assumption.
"""
