"""`python -m local.codepipeline`: the stand-in's command line (see cli.py)."""

from local.codepipeline.cli import main

raise SystemExit(main())
