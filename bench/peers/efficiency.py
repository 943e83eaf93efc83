"""Seed 003's efficiency test, the Python peer of `spindle bench efficiency`.

The same CPU-bound job (count(x, y): a counting loop) and the same IO-bound job (write 170,000 lines to a file, read
them back) run 10 times: serially, on 10 threads, and in 10 processes; wall time in seconds. The GIL lets only one
thread run Python code at a time, so threads do not speed up the CPU-bound job. Each figure is printed as the shared
peers print theirs: `name median unit min=.. max=.. n=..`.

Another way to run the jobs (coroutines, with gevent) adds a row to MODES and its twin to the Spindle suite."""
import os
import statistics
import sys
import tempfile
import threading
import time
import multiprocessing as mp

COUNT_TO = 2_000_000   # iterations of the CPU-bound job (the seed's 7,000,000, scaled so the whole table takes seconds)
LINES = 170_000        # lines of the IO-bound job (the seed's 1,700,000, scaled likewise)
JOBS = 10
RUNS = int(os.environ.get("EFFICIENCY_RUNS", "3"))


def count(x, y):
    c = 0
    while c < COUNT_TO:
        c += 1
        x += 1
        y += 1
    return x + y


def io(path):
    with open(path, "w") as f:
        for _ in range(LINES):
            f.write("hello world\n")
    with open(path) as f:
        f.readlines()
    os.remove(path)


def cpu_job(i, folder):
    count(1, 1)


def io_job(i, folder):
    io(os.path.join(folder, f"io-{i}"))


def serial(job, folder):
    for i in range(JOBS):
        job(i, folder)


def threads(job, folder):
    ts = [threading.Thread(target=job, args=(i, folder)) for i in range(JOBS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def processes(job, folder):
    ps = [mp.Process(target=job, args=(i, folder)) for i in range(JOBS)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()


MODES = [("serial", serial), ("threads", threads), ("processes", processes)]
JOBS_BY_NAME = [("cpu", cpu_job), ("io", io_job)]


def main():
    print(f"# efficiency: {JOBS} jobs per mode; cpu = count to {COUNT_TO:,}, io = {LINES:,} lines written and read", flush=True)
    with tempfile.TemporaryDirectory(prefix="spindle-efficiency-") as folder:
        for job_name, job in JOBS_BY_NAME:
            for mode_name, mode in MODES:
                times = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    mode(job, folder)
                    times.append(time.perf_counter() - start)
                print(f"efficiency.{job_name}.{mode_name} {statistics.median(times):.4g} s min={min(times):.4g} max={max(times):.4g} n={RUNS}",
                      flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
