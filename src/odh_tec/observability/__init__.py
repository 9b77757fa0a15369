"""What the platform reads about the app: Prometheus metrics and structured logs with request ids."""
