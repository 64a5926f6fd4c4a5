pytest_plugins = ["csi_shared.testing"]
