"""Runs official Databricks SDK calls for the differential test (tests/e2e/tests/e2e/differential.rs).

Reads a JSON list of jobs from the file named by argv[1], each
{"card", "host", "account_id", "client_id", "client_secret", "input", "call"}, runs each job's
`call` (Python, with `a` an AccountClient on the job's own fake account, `input` the card's
input as a dict, the SDK's service modules by name, and `datetime` for waiters' timeouts) and
prints, as JSON, what each call raised, if anything. What the fake account received is read by the Rust side; an SDK call that
raises after sending (a decoding difference, say) still counts for the comparison.
"""

import datetime
import json
import sys

from databricks.sdk import AccountClient
from databricks.sdk.service import billing, catalog, iam, oauth2, provisioning, settings


def run(job):
    a = AccountClient(
        host=job["host"],
        account_id=job["account_id"],
        client_id=job["client_id"],
        client_secret=job["client_secret"],
    )
    scope = {
        "a": a,
        "input": job["input"],
        "datetime": datetime,

        "billing": billing,
        "catalog": catalog,
        "iam": iam,
        "oauth2": oauth2,
        "provisioning": provisioning,
        "settings": settings,
    }
    try:
        exec(compile(job["call"], job["card"], "exec"), scope)
        return None
    except Exception as error:  # the comparison reads the requests; the error is only reported
        return f"{type(error).__name__}: {error}"[:300]


def main():
    with open(sys.argv[1]) as jobs:
        results = {job["card"]: run(job) for job in json.load(jobs)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
