from attention_sensei.cli import main

raise SystemExit(main())
