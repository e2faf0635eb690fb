#!/usr/bin/env python3
"""The hostile tester's bursts against a release binary, measured: statuses and the
server's resident memory (RSS) before, at its peak during, and after each burst.

    cargo build --release
    python3 tools/attack.py target/release/huiying            # every attack
    python3 tools/attack.py target/release/huiying sign-in    # one of them

Each run starts the binary on a fresh SQLite data directory (demo data, no background
jobs) on 127.0.0.1, so two binaries can be compared side by side in one run:

    python3 tools/attack.py OLD_BINARY NEW_BINARY

Only the Python standard library is used. Nothing here runs in CI: the figures go in
the closing notes of the issues that change them.
"""

import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

MB = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary):
        self.dir = tempfile.mkdtemp(prefix="huiying-attack-")
        self.port = free_port()
        env = dict(
            os.environ,
            HUIYING_DATA_DIR=self.dir,
            HUIYING_BACKGROUND_JOBS="false",
            HUIYING_FILING_LIMIT_PER_HOUR="0",
            RUST_LOG="error",
        )
        env.pop("DATABASE_URL", None)
        self.proc = subprocess.Popen(
            [binary, "serve", "--bind", f"127.0.0.1:{self.port}"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(600):
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the server did not start")
        time.sleep(1)

    def request(self, method, path, body=None, headers=None, timeout=120):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
            return response.status, data, dict(response.getheaders())
        finally:
            conn.close()

    def rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


class Peak:
    """Samples the server's RSS every 10 ms while a burst runs."""

    def __init__(self, server):
        self.server, self.peak, self.running = server, 0.0, True
        self.thread = threading.Thread(target=self.sample, daemon=True)

    def sample(self):
        while self.running:
            try:
                self.peak = max(self.peak, self.server.rss_mb())
            except OSError:
                return
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def burst(n, work):
    statuses, lock = {}, threading.Lock()

    def run(i):
        try:
            status = work(i)
        except Exception as e:  # a refused connection or a reset is an outcome too
            status = type(e).__name__
        with lock:
            statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return dict(sorted(statuses.items(), key=str))


def measure(server, name, n, work):
    before = server.rss_mb()
    started = time.monotonic()
    with Peak(server) as peak:
        statuses = burst(n, work)
    took = time.monotonic() - started
    time.sleep(2)
    after = server.rss_mb()
    print(
        f"  {name}: {n} requests in {took:.1f} s -> {statuses}; "
        f"RSS {before:.0f} MB before, {peak.peak:.0f} MB peak, {after:.0f} MB after"
    )


def file_case(server):
    body = json.dumps(
        {
            "category": "noise",
            "area": "LJ-CG-DM",
            "title": "夜间施工噪音扰民",
            "description": "东门社区旁的工地每天夜里十一点以后仍在施工，严重影响居民休息。",
            "resident": {"name": "张三", "email": "zhang@example.cn"},
        }
    )
    status, data, _ = server.request(
        "POST", "/api/v1/cases", body, {"Content-Type": "application/json"}
    )
    assert status == 201, (status, data)
    return json.loads(data)


def fake_jpeg(size):
    head = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    frame = b"\xff\xc0\x00\x0b\x08\x00\x01\x00\x01\x01\x01\x11\x00"
    scan = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    filler = bytes(random.randrange(0, 255) for _ in range(4096))
    data = (filler * (size // len(filler) + 1))[: size - len(head) - len(frame) - len(scan) - 2]
    return head + frame + scan + data + b"\xff\xd9"


def multipart(parts):
    boundary = "----huiying-attack-boundary"
    chunks = []
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n\r\n".encode())
        chunks.append(content)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def attack_sign_in(server):
    def work(i):
        body = json.dumps({"username": "leader", "password": f"wrong-{i}"})
        return server.request(
            "POST", "/api/v1/auth/login", body, {"Content-Type": "application/json"}
        )[0]

    measure(server, "150 concurrent wrong passwords for one username", 150, work)


def attack_api_upload(server):
    number = file_case(server)["tracking_number"]
    image = fake_jpeg(10 * MB - 1024)
    body, content_type = multipart([("file", f"p{i}.jpg", image) for i in range(5)])

    def work(i):
        return server.request(
            "POST",
            f"/api/v1/cases/{number}/attachments",
            body,
            {"Content-Type": content_type, "Authorization": "Bearer made-up-token"},
        )[0]

    measure(server, "30 uploads of 5 x 10 MB with a made-up token (API)", 30, work)


def attack_page_upload(server):
    number = file_case(server)["tracking_number"]
    field = b"x" * 4000
    body, content_type = multipart([(f"f{i}", None, field) for i in range(25000)])

    def work(i):
        return server.request(
            "POST",
            f"/cases/{number}/attachments",
            body,
            {"Content-Type": content_type},
        )[0]

    print(f"    (each body {len(body) / MB:.0f} MB)")
    measure(server, "4 anonymous bodies of 25,000 fields (page)", 4, work)


def attack_methods(server):
    def work(i):
        method = "X" + "".join(random.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(3999))
        return server.request(method, "/")[0]

    measure(server, "1,000 made-up methods of 4,000 characters", 1000, work)
    started = time.monotonic()
    status, data, _ = server.request("GET", "/metrics")
    print(
        f"    /metrics: {status}, {len(data) / 1024:.0f} KB, "
        f"rendered in {1000 * (time.monotonic() - started):.0f} ms"
    )


def attack_track(server):
    first = file_case(server)["tracking_number"]
    for _ in range(20):
        file_case(server)
    # YYMMDD, the case id (six digits or more), a check digit: try every digit of the next ids.
    date, serial = first[:6], int(first[6:-1])
    found, statuses = 0, {}
    started = time.monotonic()
    for n in range(serial, serial + 22):
        for digit in range(10):
            number = f"{date}{n:06d}{digit}"
            status, data, _ = server.request("GET", f"/track?number={number}")
            statuses[status] = statuses.get(status, 0) + 1
            if status == 200 and f"编号 {number} 的办理情况".encode() in data:
                found += 1
    took = time.monotonic() - started
    print(f"  /track enumeration: 220 look-ups in {took:.1f} s -> {statuses}; {found} cases found")


ATTACKS = {
    "sign-in": attack_sign_in,
    "api-upload": attack_api_upload,
    "page-upload": attack_page_upload,
    "methods": attack_methods,
    "track": attack_track,
}


def main():
    binaries = [a for a in sys.argv[1:] if a not in ATTACKS]
    chosen = [a for a in sys.argv[1:] if a in ATTACKS] or list(ATTACKS)
    if not binaries:
        sys.exit(__doc__)
    for name in chosen:
        for binary in binaries:
            server = Server(binary)
            try:
                print(f"{name} against {binary} (RSS at start {server.rss_mb():.0f} MB)")
                ATTACKS[name](server)
            finally:
                server.stop()


if __name__ == "__main__":
    main()
