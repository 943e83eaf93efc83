"""Seed 003's efficiency test, the Python peer of `spindle bench efficiency`.

The same CPU-bound job (count(x, y): a counting loop) and the same IO-bound job (write 170,000 lines to a file, read
them back) run 10 times: serially, on 10 threads, in 10 processes, and as 10 gevent greenlets; wall time in seconds.
The GIL lets only one thread run Python code at a time, so threads do not speed up the CPU-bound job. A third job
waits (ten 10 ms sleeps, as for replies from a slow server): gevent overlaps those waits on one thread, but not the
file job's reads and writes, nor the counting. gevent is used without monkey patching (the other modes need the real
time.sleep); its greenlets wait with gevent.sleep. Each figure is printed as the shared peers print theirs:
`name median unit min=.. max=.. n=..`; without gevent installed, its rows are left out."""
import os
import statistics
import sys
import tempfile
import threading
import time
import multiprocessing as mp

COUNT_TO = 2_000_000   # iterations of the CPU-bound job (the seed's 7,000,000, scaled so the whole table takes seconds)
LINES = 170_000        # lines of the IO-bound job (the seed's 1,700,000, scaled likewise)
WAITS = 10             # waits of the waiting job
WAIT = 0.010           # seconds each
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


def wait_job(i, folder):
    for _ in range(WAITS):
        time.sleep(WAIT)


def wait_job_gevent(i, folder):
    import gevent
    for _ in range(WAITS):
        gevent.sleep(WAIT)


def serial(job, folder):
    job, _ = job
    for i in range(JOBS):
        job(i, folder)


def threads(job, folder):
    job, _ = job
    ts = [threading.Thread(target=job, args=(i, folder)) for i in range(JOBS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


def processes(job, folder):
    job, _ = job
    ps = [mp.Process(target=job, args=(i, folder)) for i in range(JOBS)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()


def coroutines(job, folder):
    import gevent
    _, on_hub = job
    gevent.joinall([gevent.spawn(on_hub, i, folder) for i in range(JOBS)], raise_error=True)


def have_gevent():
    try:
        import gevent  # noqa: F401
        return True
    except ImportError:
        return False


MODES = [("serial", serial), ("threads", threads), ("processes", processes)] + ([("coroutines", coroutines)] if have_gevent() else [])
# Each job as a thread runs it, and as a greenlet runs it.
JOBS_BY_NAME = [("cpu", (cpu_job, cpu_job)), ("io", (io_job, io_job)), ("wait", (wait_job, wait_job_gevent))]


def main():
    print(f"# efficiency: {JOBS} jobs per mode; cpu = count to {COUNT_TO:,}, io = {LINES:,} lines written and read,"
          f" wait = {WAITS} x {WAIT * 1000:g} ms", flush=True)
    if not have_gevent():
        print("# gevent is not installed for this python: no coroutine rows", flush=True)
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
