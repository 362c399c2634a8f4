import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# In each web worker as it loads this module: what it holds from its start is kept out of the garbage collector's
# full collections (foundation/heap.py).
from foundation.heap import settle_web_process  # noqa: E402

settle_web_process()
