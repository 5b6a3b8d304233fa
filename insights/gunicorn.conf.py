"""gunicorn's settings for production (`make serve`; docs/deploy.md says the rest).

Threaded workers: a client that sends its request slowly, or stops half way, holds one
thread, not a whole worker, while the other threads keep answering; gunicorn also hands a
connection whose request has not arrived yet back to its poller instead of a thread. In
production a buffering proxy (nginx) stands in front and passes on only whole requests.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "8"))
# A worker silent this long (a request stuck in the database, say) is restarted.
timeout = 30
graceful_timeout = 30
# Idle keep-alive connections are closed quickly: each one holds a slot.
keepalive = 5
# The proxy on this machine sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
