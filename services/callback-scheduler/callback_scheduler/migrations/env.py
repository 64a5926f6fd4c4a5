from callback_scheduler.models import Base
from csi_shared.migrations import run_env

run_env(Base.metadata)
