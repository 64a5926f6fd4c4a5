"""Development and test tooling (local broker, TCP proxy, service processes, `make run`, pytest fixtures).

Installed with `pip install -e 'shared[dev]'`; never imported by the runtime (`csi_shared`) or the services.
"""
