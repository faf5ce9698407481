"""The frozen binary's entry script: the same `main` as `python -m sidecar`."""

from sidecar.__main__ import main

if __name__ == "__main__":
    main()
