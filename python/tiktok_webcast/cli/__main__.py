"""``python -m tiktok_webcast.cli``: the same as the ``tiktok-webcast`` command."""

from tiktok_webcast.cli import main

raise SystemExit(main())
