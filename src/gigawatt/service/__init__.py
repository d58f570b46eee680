"""The GPU-cloud control plane over HTTP: `create_app` builds the FastAPI app."""
