"""OCI images: references, registry auth, streamed tar layers and the distribution API (ModelCars)."""
