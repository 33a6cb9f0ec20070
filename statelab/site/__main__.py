"""``python -m statelab.site``: build the static site (``make site``)."""

import sys

from statelab.site.build import main

sys.exit(main())
