#!/usr/bin/python3
# Runs Debian's AWS CLI v2 (2.9.19, `apt-get install awscli`) with its IAM
# Identity Center clients pointed at the test fakes. That version predates the
# AWS_ENDPOINT_URL_* variables, so Session.create_client is wrapped to pass
# endpoint_url for sso-oidc (FAKE_SSO_OIDC_URL) and sso (FAKE_SSO_URL); a client
# for any other service is refused, so nothing can reach AWS.
import os
import sys

import awscli.clidriver
import botocore.session

ENDPOINTS = {"sso-oidc": os.environ["FAKE_SSO_OIDC_URL"], "sso": os.environ["FAKE_SSO_URL"]}
_create_client = botocore.session.Session.create_client


def create_client(self, service_name, *args, **kwargs):
    if service_name not in ENDPOINTS:
        raise SystemExit(f"aws-v2-wrapper: refusing to create a {service_name} client")
    kwargs["endpoint_url"] = ENDPOINTS[service_name]
    return _create_client(self, service_name, *args, **kwargs)


botocore.session.Session.create_client = create_client
sys.exit(awscli.clidriver.main())
