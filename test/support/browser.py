#!/usr/bin/env python3
# A stand-in browser for `login` tests, run through $BROWSER with the URL as its
# last argument. It follows the URL and its redirects (the fake /authorize's
# 302 to the loopback listener, or the fake device page), as a person's browser
# would. FAKE_BROWSER_LOG names a file that gets one line per event; with
# FAKE_BROWSER_PROBE it first asks the listener for another path and logs the
# status; FAKE_BROWSER_WAIT_FOR names a file to wait for (at most 20 s) first.
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def log(line):
    path = os.environ.get("FAKE_BROWSER_LOG")
    if path:
        with open(path, "a") as f:
            f.write(line + "\n")


def status(url):
    try:
        with urllib.request.urlopen(url, timeout=20) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


url = sys.argv[-1]
log("opened")
wait_for = os.environ.get("FAKE_BROWSER_WAIT_FOR")
if wait_for:
    deadline = time.time() + 20
    while not os.path.exists(wait_for) and time.time() < deadline:
        time.sleep(0.05)
if os.environ.get("FAKE_BROWSER_PROBE"):
    redirect = urllib.parse.parse_qs(urllib.parse.urlparse(url).query)["redirect_uri"][0]
    base = redirect.rsplit("/oauth/callback", 1)[0]
    log(f"probe /other {status(base + '/other')}")
    log(f"probe / {status(base + '/')}")
log(f"followed {status(url)}")
