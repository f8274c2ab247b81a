"""kazoo_peer - one kazoo Election participant for tests/interop.c.

    /usr/bin/python3 kazoo_peer.py HOSTS ELECTION_PATH ID

Prints one line per fact, each ending in time.monotonic_ns() (CLOCK_MONOTONIC,
the clock the C side records with):
    READY t | ELECTED t | REVOKED t | LEADER id t | PARTICIPANTS id,id,... t | CLOSED t
Reads commands on stdin: "leader", "participants", "close" (stop leading, or
stop waiting, which deletes the node), "quit".
"""
import sys
import threading
import time

from kazoo.client import KazooClient

lock = threading.Lock()


def say(line):
    with lock:
        sys.stdout.write("%s %d\n" % (line, time.monotonic_ns()))
        sys.stdout.flush()


def main():
    hosts, path, ident = sys.argv[1:4]
    client = KazooClient(hosts=hosts, timeout=4.0)
    client.start(timeout=10)
    election = client.Election(path, ident)
    stop = threading.Event()
    done = threading.Event()

    def lead():
        say("ELECTED")
        stop.wait()
        # The host stops its leader's work before run() deletes the node.
        say("REVOKED")

    def contend():
        election.run(lead)
        done.set()

    threading.Thread(target=contend, daemon=True).start()
    say("READY")
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        if cmd == "leader":
            contenders = election.contenders()
            say("LEADER " + (contenders[0] if contenders else "-"))
        elif cmd == "participants":
            say("PARTICIPANTS " + ",".join(election.contenders()))
        elif cmd == "close":
            stop.set()
            election.cancel()
            done.wait(10)
            say("CLOSED")
    client.stop()
    client.close()


if __name__ == "__main__":
    main()
