"""``python -m electroscreen.cli``: the ``electroscreen`` command."""

from electroscreen.cli import main

main()
