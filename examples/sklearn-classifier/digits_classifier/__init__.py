"""Train and evaluate a handwritten-digit classifier with scikit-learn."""
