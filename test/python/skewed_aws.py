"""Runs the AWS CLI with its signing clock moved: python3 skewed_aws.py SECONDS <aws args...>.

The SigV4 tests use it for the "expired date" case: the CLI itself (awscli.clidriver) runs
unchanged, only botocore's notion of the current time is shifted, as on a machine whose
clock is wrong.
"""

import datetime
import sys

import awscli.clidriver
import botocore.auth


def main():
    seconds = float(sys.argv[1])
    original = botocore.auth.get_current_datetime

    def skewed(remove_tzinfo=True):
        return original(remove_tzinfo) + datetime.timedelta(seconds=seconds)

    botocore.auth.get_current_datetime = skewed
    sys.argv = ["aws"] + sys.argv[2:]
    return awscli.clidriver.main()


if __name__ == "__main__":
    sys.exit(main())
