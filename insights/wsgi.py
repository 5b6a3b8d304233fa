import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insights.settings")
application = get_wsgi_application()

# What the app loaded at start lives as long as the worker: kept out of the collector's
# passes, a full pass no longer walks every module, model and URL pattern again (a batch
# of 500 events allocates enough to trigger one every few requests).
gc.freeze()
