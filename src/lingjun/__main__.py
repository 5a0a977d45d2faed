"""``python -m lingjun``: the command line (how ``lingjun serve`` starts its worker process)."""

from lingjun.cli import main

if __name__ == "__main__":  # pragma: no cover - console entry point
    main()
