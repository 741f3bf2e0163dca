"""Evaluate: extractions scored against hand-annotated gold (precision, recall, F1 per type, type and role
accuracy, pairwise resolution across papers). In: gold and ``kg extract`` JSONL. Out: an ``EvalResult``.
"""
