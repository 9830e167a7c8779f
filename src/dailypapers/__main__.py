from dailypapers.cli import main

raise SystemExit(main())
