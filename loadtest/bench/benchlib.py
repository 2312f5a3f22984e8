"""Helpers the benchmark scripts in this folder share: free loopback ports, a process's CPU time, a node to measure."""
import os, shutil, socket, subprocess, tempfile, time, urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DLL = os.path.join(ROOT, "src/RecoGrid.Cli/bin/Release/net10.0/recogrid.dll")


def require_build():
    """Stops with what to do when the Release build of recogrid.dll is missing."""
    if not os.path.exists(DLL):
        raise SystemExit(f"{DLL} is missing: dotnet build src/RecoGrid.Cli -c Release")


def require_wrk_and_build():
    """Stops with what to do when wrk or the Release build of recogrid.dll is missing."""
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    require_build()


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """User + system CPU seconds the process has used (from /proc/<pid>/stat)."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Node:
    """
    A `recogrid serve` on free loopback ports over `data_dir`, ready (/readyz 200) when constructed; `close()` stops it
    and removes the folder (unless `keep`: a folder the caller made, such as a registered 10M-item model). Warnings
    only, no per-key rate limit (the node is measured, not its limit); `env` adds or overrides environment variables.
    Its standard error goes to a temporary file, quoted if it stops before it is ready.
    """

    def __init__(self, dll, data_dir, env=None, ready_within=180, keep=False):
        self.dir = data_dir
        self.keep = keep
        self.port = free_port()
        full = dict(os.environ)
        full["RECOGRID__Logging__LogLevel__Default"] = "Warning"
        full["RECOGRID__Limits__RequestsPerSecond"] = "0"
        full["RECOGRID__Orleans__SiloPort"] = str(free_port())
        full["RECOGRID__Orleans__GatewayPort"] = str(free_port())
        full.update(env or {})
        self._stderr = tempfile.TemporaryFile(mode="w+")
        self.proc = subprocess.Popen(["dotnet", dll, "serve", "--urls", f"http://127.0.0.1:{self.port}", "--data-dir", self.dir],
                                     env=full, stdout=subprocess.DEVNULL, stderr=self._stderr, text=True)
        deadline = time.time() + ready_within
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                pass
            if self.proc.poll() is not None:
                self._stderr.seek(0)
                raise SystemExit("the node stopped before it was ready:\n" + self._stderr.read()[-4000:])
            if time.time() > deadline:
                self.close()
                raise SystemExit(f"the node did not become ready within {ready_within} s")
            time.sleep(0.2)

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._stderr.close()
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)
