"""Building the dataset from a validated export: adjudication, agreement, splits, the
discourse network, figures, the card and the package.
"""
