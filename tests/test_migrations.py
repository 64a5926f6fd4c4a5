"""Each service's migrations build exactly the tables its models describe: a column added to a model without a
migration (or the reverse) fails here, not in production."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData

from callback_scheduler.models import Base as CallbackBase
from callback_scheduler.spec import SERVICE as CALLBACKS
from complaints.models import Base as ComplaintsBase
from complaints.spec import SERVICE as COMPLAINTS
from csi_dev.testing import Databases
from csi_shared.db import create_engine
from scoring.models import Base as ScoringBase
from scoring.spec import SERVICE as SCORING
from survey_api.models import Base as SurveyBase
from survey_api.spec import SERVICE as SURVEY

SERVICES = {
    "survey-api": (SURVEY, SurveyBase.metadata),
    "callback-scheduler": (CALLBACKS, CallbackBase.metadata),
    "scoring": (SCORING, ScoringBase.metadata),
    "complaints": (COMPLAINTS, ComplaintsBase.metadata),
}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_at_head_match_the_models(service: str, backend: str, databases: Databases) -> None:
    spec, metadata = SERVICES[service]
    engine = create_engine(databases.url(backend, service, spec.migrations_dir))
    try:
        async with engine.connect() as conn:
            differences = await conn.run_sync(lambda sync: _compare(sync, metadata))
    finally:
        await engine.dispose()
    assert differences == []


def _compare(connection: object, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})  # type: ignore[arg-type]
    return list(compare_metadata(context, metadata))
