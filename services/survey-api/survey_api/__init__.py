"""survey-api: dealers, repair orders from DMS systems, questionnaires, survey links and responses."""
