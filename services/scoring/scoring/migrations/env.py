from csi_shared.migrations import run_env
from scoring.models import Base

run_env(Base.metadata)
