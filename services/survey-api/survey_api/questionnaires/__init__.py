"""Questionnaires: the default CSI questionnaire and its versions."""
