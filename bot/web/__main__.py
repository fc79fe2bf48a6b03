import sys

from bot.web.server import main

sys.exit(main())
