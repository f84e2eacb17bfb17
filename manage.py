#!/usr/bin/env python
"""Django's command-line utility for administrative tasks (an installed wheel calls it `newsroom`)."""

from newsroom.cli import main

if __name__ == "__main__":
    main()
