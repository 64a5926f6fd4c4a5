from csi_shared.migrations import run_env
from survey_api.models import Base

run_env(Base.metadata)
