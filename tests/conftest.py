from hypothesis import settings

# Property tests are derandomised so that a run is repeatable (CI sees what a developer saw).
settings.register_profile("repeatable", derandomize=True, deadline=None, max_examples=150)
settings.load_profile("repeatable")
