#!/opt/aiguilleur/bin/python
"""Healthy when the server answers /health and is logged in to Asterisk (status ok)."""

import json
import sys
import urllib.request

try:
    with urllib.request.urlopen("http://127.0.0.1:8080/health", timeout=3) as response:
        sys.exit(0 if json.load(response).get("status") == "ok" else 1)
except (OSError, ValueError):
    sys.exit(1)
