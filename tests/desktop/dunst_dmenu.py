#!/usr/bin/python3
"""Fake `dmenu` for dunst: picks the notification action a test asked for.

`dunstctl context` makes dunst pipe one line per action of every displayed
notification into its configured `dmenu` program and then invoke whatever line
comes back. dunst 1.9 formats the lines as

    #<action label> (<summary>) [<notification id>,<action key>]

The harness (desk.Desktop.invoke_action) resolves what the test wants into a
notification id and action key, writes {"nonce", "id", "key"} to the request
file (argv[1]) and runs `dunstctl context`. We print the line ending in
"[<id>,<key>]" (unique per notification and action) and write what we saw and
chose to argv[2], so the harness gets a definite answer instead of guessing.
Any further arguments are dunst's own dmenu flags (ignored).
"""

import json
import os
import sys


def main():
    request_path, result_path = sys.argv[1], sys.argv[2]
    lines = [line.rstrip("\n") for line in sys.stdin]
    try:
        with open(request_path) as f:
            request = json.load(f)
    except (OSError, ValueError) as e:
        request = {"error": f"no request: {e}"}
    chosen = None
    if "id" in request:
        suffix = f"[{request['id']},{request['key']}]"
        matches = [line for line in lines if line.startswith("#") and line.endswith(suffix)]
        chosen = matches[0] if len(matches) == 1 else None
    # Report first: dunst may close our stdout as soon as it has read a line.
    result = {"nonce": request.get("nonce"), "menu": lines, "chosen": chosen}
    tmp = result_path + ".tmp"  # write-then-rename: the harness never reads half a file
    with open(tmp, "w") as f:
        json.dump(result, f)
    os.replace(tmp, result_path)
    if chosen is not None:
        try:
            os.write(1, (chosen + "\n").encode())  # one write: the whole line at once
        except BrokenPipeError:
            pass


if __name__ == "__main__":
    main()
