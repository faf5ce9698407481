"""`python -m sidecar`: the same entry point as the `ytracker-sidecar` console script."""

from sidecar.cli import main

if __name__ == "__main__":
    main()
