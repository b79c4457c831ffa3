"""Operations: the admin CLI, embedded services for local runs, deployment files and benchmarks."""
