"""The frozen binary's entry script: the same `main` as `python -m sidecar`."""

from sidecar.cli import main

if __name__ == "__main__":
    main()
