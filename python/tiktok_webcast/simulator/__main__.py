"""``python -m tiktok_webcast.simulator`` (see :mod:`tiktok_webcast.simulator.cli`)."""

from tiktok_webcast.simulator.cli import main

raise SystemExit(main())
