"""The report shared by the real-client scripts: one line per operation, `ok <client>: <name>` or
`failed <client>: <name>: <reason>`, and exit status 1 if any failed."""
import sys


class Operations:
    def __init__(self, client):
        self.client = client
        self.failed = 0

    def op(self, name, fn, check):
        try:
            value = fn()
            problem = check(value)
        except Exception as e:  # any client or server error is a failed operation
            problem = "%s: %s" % (type(e).__name__, e)
        if problem:
            self.failed += 1
            print("failed %s: %s: %s" % (self.client, name, problem), flush=True)
        else:
            print("ok %s: %s" % (self.client, name), flush=True)

    def exit(self):
        sys.exit(1 if self.failed else 0)


def expect(cond, msg):
    return None if cond else msg
