pytest_plugins = ["csi_dev.testing"]
