#!/usr/bin/env python3
"""Runs the shell blocks of README.md and docs/*.md, so the documentation cannot rot.

Every fenced block in a shell language must say how it is proven:

  ```sh ci              each command (split on `&&`) is one CI runs: it appears in .ci/run,
                        contrib/test.sh, contrib/package-test.sh or a tests/ CMakeLists.txt
  ```sh ci:SCRIPT       SCRIPT is run by CI and runs each command's program and first
                        argument (e.g. contrib/package-test.sh: `cpack -G`, `apt-get install`)
  ```sh run:quickstart  run against the cluster of `contrib/quickstart.sh`, started by this
                        test as the README says, from a directory holding build/, examples/
                        and contrib/ (all such blocks of all files, file by file)
  ```sh run             run on a "freshly installed machine": a sandbox holding what the
                        Debian package installs (binaries in /usr/bin, /etc/caravanserai,
                        /var/lib/caravanserai, the systemd units run by tests/docs/systemctl)
                        and the machine's Docker engine (a private dockerd when none answers)

Blocks that only show syntax are ```text. The blocks of one file and kind run in order in
one bash (`set -eo pipefail`), so variables carry over. A command ending in `# exit N`
must exit with N. In `run` blocks the installed paths are mapped into the sandbox, and in
both kinds the default ports 8080, 9090 and 8081 are mapped to free ones, so the test runs
beside other tests; nothing else is rewritten.
"""
import argparse
import collections
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SHELL_LANGS = {"sh", "bash", "shell", "console"}
TOKEN_SHAPES = re.compile(r"cara_[0-9a-f]{12}_[0-9a-f]{64}|K10[0-9a-f]{64}::\S*")
CI_SOURCES = [".ci/run", "contrib/test.sh", "contrib/package-test.sh"]


class Block:
    def __init__(self, path, line, mode, text):
        self.path, self.line, self.mode, self.text = path, line, mode, text

    def where(self):
        return f"{self.path}:{self.line}"


def parse_blocks(repo, rel):
    blocks, errors = [], []
    lines = open(os.path.join(repo, rel)).read().split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*(.*)$", lines[i])
        if not m or not m.group(1):
            i += 1
            continue
        start, lang, mode = i + 1, m.group(1), m.group(2).strip()
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        if lang in SHELL_LANGS:
            if not (mode in ("ci", "run", "run:quickstart") or mode.startswith("ci:")):
                errors.append(f"{rel}:{start}: a shell block must be marked `{lang} run`, "
                              f"`{lang} run:quickstart` or `{lang} ci` (or be `text` when it "
                              "only shows syntax)")
            else:
                blocks.append(Block(rel, start, mode, "\n".join(lines[i + 1:j])))
        i = j + 1
    return blocks, errors


def commands(text):
    """The commands of a block: continuation lines joined, comments dropped, split on &&."""
    out = []
    for line in text.replace("\\\n", " ").split("\n"):
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line and not line.startswith("#"):
            out += [c.strip() for c in line.split("&&") if c.strip()]
    return out


def normalized(text):
    """A script's text with its build-dir variable and quotes spelled as a reader types."""
    for var in ('"$build"', "$build", '"${build}"', "${build}"):
        text = text.replace(var, "build")
    return text.replace('"', "")


def check_ci_block(repo, block):
    """`ci`: each command appears in a CI source. `ci:SCRIPT`: SCRIPT is run by CI (named
    in .ci/run or a tests/ CMakeLists.txt) and runs each command's program and first
    argument (`cpack -G`, `apt-get install`): it does what the block shows, spelled its way."""
    sources = CI_SOURCES + glob.glob("tests/**/CMakeLists.txt", root_dir=repo, recursive=True)
    text = ""
    for s in sources:
        if os.path.exists(os.path.join(repo, s)):
            text += normalized(open(os.path.join(repo, s)).read()) + "\n"
    script = block.mode.partition(":")[2]
    if not script:
        return [f"{block.where()}: `{c}` is not run by CI ({', '.join(CI_SOURCES)}, tests/)"
                for c in commands(block.text) if c not in text]
    if not os.path.exists(os.path.join(repo, script)):
        return [f"{block.where()}: {script} does not exist"]
    if os.path.basename(script) not in text:
        return [f"{block.where()}: {script} is not run by CI"]
    body = normalized(open(os.path.join(repo, script)).read())
    errors = []
    for c in commands(block.text):
        words = c.removeprefix("sudo ").split()
        if " ".join(words[:2]) not in body:
            errors.append(f"{block.where()}: {script} does not run `{' '.join(words[:2])}`")
    return errors


def check_flags_documented(repo, build):
    """Every flag of cara-server and cara-agent is in docs/configuration.md, and every
    caractrl command in docs/cli.md: the help output is the truth."""
    errors = []
    config = open(os.path.join(repo, "docs/configuration.md")).read()
    for binary in ("cara-server", "cara-agent"):
        path = os.path.join(build, "src", binary)
        if not os.path.exists(path):
            return [f"{path} is not built"]
        help_text = subprocess.run([path, "--help"], capture_output=True, text=True).stdout
        for flag in sorted(set(re.findall(r"(?m)^\s+(?:-\w, )?(--[a-z][a-z0-9-]+)", help_text))):
            if flag not in ("--help", "--version") and f"`{flag}`" not in config and f"`{flag} " not in config:
                errors.append(f"docs/configuration.md: `{binary} {flag}` is not documented")
    cli = open(os.path.join(repo, "docs/cli.md")).read()
    ctl = os.path.join(build, "src", "caractrl")
    help_text = subprocess.run([ctl, "--help"], capture_output=True, text=True).stdout
    section = help_text.split("Subcommands:")[-1].split("\n\n")[0]
    commands = re.findall(r"(?m)^\s{2}([a-z][a-z-]+)\s", section)
    if len(commands) < 10:
        errors.append(f"caractrl --help lists {len(commands)} commands: the format changed?")
    for command in commands:
        if f"caractrl {command}" not in cli:
            errors.append(f"docs/cli.md: `caractrl {command}` is not documented")
    return errors


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def script_for(blocks, subst):
    """One bash script for blocks: a marker before each, `# exit N` lines checked."""
    parts = ["set -eo pipefail"]
    for b in blocks:
        parts.append(f"echo '::block {b.where()}' >&2")
        text = b.text
        for old, new in subst:
            text = text.replace(old, new)
        heredoc_end = None
        for line in text.split("\n"):
            if heredoc_end is not None:  # a here-document's body: as written
                if line.strip() == heredoc_end:
                    heredoc_end = None
                parts.append(line)
                continue
            here = re.search(r"<<-?\s*['\"]?(\w+)['\"]?", line)
            m = re.match(r"^(.*\S)\s+# exit (\d+)\b.*$", line)
            if m and not line.rstrip().endswith("\\"):
                cmd, code = m.group(1), m.group(2)
                line = (f"rc=0; {cmd} || rc=$?; [ \"$rc\" = {code} ] || "
                        f"{{ echo \"expected exit {code}, got $rc: {cmd!r}\" >&2; exit 1; }}")
            elif "&&" in line and not line.rstrip().endswith("\\"):
                # set -e ignores a failure left of `&&`: check the line's status.
                cmd = re.sub(r"\s+#.*$", "", line)
                line = f"{cmd} || {{ echo 'a command of this line failed' >&2; exit 1; }}"
            if here:
                heredoc_end = here.group(1)
            parts.append(line)
    return "\n".join(parts) + "\n"


def run_script(blocks, subst, cwd, env, label):
    """Runs the blocks; returns an error naming the failing block, or None. Output goes to
    a file, not a pipe: a daemon the blocks start would hold a pipe open, and reading it to
    its end would wait for that daemon."""
    base = os.path.join(cwd, ".doc-" + re.sub(r"[^A-Za-z0-9.-]", "_", label))
    open(base + ".sh", "w").write(script_for(blocks, subst))
    with open(base + ".out", "w+") as out:
        proc = subprocess.Popen(["bash", base + ".sh"], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
        try:
            code = proc.wait(timeout=600)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            code = "timeout after 600 s"
        out.seek(0)
        output = out.read()
    print(f"{label}: {len(blocks)} block(s), exit {code}")
    if code == 0:
        return None
    markers = re.findall(r"::block (\S+)", output)
    where = markers[-1] if markers else "?"
    output = TOKEN_SHAPES.sub("<token>", output[-4000:])
    return f"{where}: the block failed (exit {code}):\n{output}"


def link_repo(repo, build, into):
    os.makedirs(into, exist_ok=True)
    for name in ("examples", "contrib", "schemas", "tests"):
        os.symlink(os.path.join(repo, name), os.path.join(into, name))
    os.symlink(build, os.path.join(into, "build"))


def quickstart_session(repo, build, blocks, ports, base_env):
    """Starts contrib/quickstart.sh as the README says, runs the blocks against it. It runs
    from a directory of links to the checkout (so its ./cara-data and the sync's source id,
    the directory's path, are the sandbox's), on the binaries already built."""
    work = tempfile.mkdtemp(prefix="cara-doc-qs-")
    link_repo(repo, build, work)
    env = dict(base_env, BUILD_DIR=build, PORT=str(ports[0]), AGENT_LISTEN_PORT=str(ports[1]),
               PROXY_PORT=str(ports[2]))
    env.pop("CARA_DATA_DIR", None)
    # What a reader has after the quick start: caractrl on the PATH and CARA_CONFIG
    # exported (the README's first block exports it again, as the reader does).
    os.makedirs(os.path.join(work, "bin"))
    os.symlink(os.path.join(build, "src/caractrl"), os.path.join(work, "bin/caractrl"))
    block_env = dict(env, PATH=f"{work}/bin:{env['PATH']}", HOME=work,
                     CARA_CONFIG=os.path.join(work, "cara-data/caractrl.yaml"))
    log = open(os.path.join(work, "quickstart.log"), "w+")
    qs = subprocess.Popen(["bash", os.path.join(work, "contrib/quickstart.sh"), "--no-build"],
                          env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 900
        while True:
            log.seek(0)
            if "The cluster is running" in log.read():
                break
            if qs.poll() is not None or time.time() > deadline:
                log.seek(0)
                tail = TOKEN_SHAPES.sub("<token>", log.read()[-3000:])
                return [f"contrib/quickstart.sh did not come up:\n{tail}"]
            time.sleep(1)
        subst = [(":8080", f":{ports[0]}"), (":9090", f":{ports[1]}"), (":8081", f":{ports[2]}")]
        errors = []
        for path in dict.fromkeys(b.path for b in blocks):
            mine = [b for b in blocks if b.path == path]
            err = run_script(mine, subst, work, block_env, f"quickstart {path}")
            if err:
                errors.append(err)
        return errors
    finally:
        try:
            os.killpg(qs.pid, signal.SIGINT)  # Ctrl-C: the quick start deletes its projects
            qs.wait(timeout=120)
        except ProcessLookupError:
            pass  # it had ended already: its log says why
        except subprocess.TimeoutExpired:
            os.killpg(qs.pid, signal.SIGKILL)
        shutil.rmtree(work, ignore_errors=True)


def install_into(repo, build, root):
    """Lays out what the Debian package installs, under root."""
    usr_bin = os.path.join(root, "usr/bin")
    os.makedirs(usr_bin)
    for b in ("cara-server", "cara-agent", "caractrl"):
        os.symlink(os.path.join(build, "src", b), os.path.join(usr_bin, b))
    etc = os.path.join(root, "etc/caravanserai")
    os.makedirs(etc)
    for env_file in glob.glob(os.path.join(repo, "contrib/systemd/*.env")):
        shutil.copy(env_file, etc)
    os.makedirs(os.path.join(root, "var/lib/caravanserai"), mode=0o700)
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy(os.path.join(repo, "tests/docs/systemctl"), os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "run"))


def docker_api(host, path, **kw):
    """curl on the engine's socket: no Docker CLI context or config involved."""
    sock = host[len("unix://"):] if host.startswith("unix://") else host
    return subprocess.run(["curl", "-fsS", "--max-time", "120", "--unix-socket", sock,
                           f"http://localhost/v1.41{path}"] + kw.get("args", []),
                          capture_output=True, timeout=150)


class DockerEngine:
    """The engine the machine's blocks use: $DOCKER_HOST (or /var/run/docker.sock) when
    it answers, as on an installed machine; otherwise, as root, a private dockerd in a temp
    dir, as contrib/quickstart.sh does. CI runs tests beside a dockerd of their own, not
    always at the default socket."""

    def __init__(self, work):
        self.host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
        self.dir, self.proc = None, None
        if docker_api(self.host, "/_ping").returncode == 0:
            return
        if os.geteuid() != 0 or not shutil.which("dockerd"):
            raise RuntimeError(f"no Docker engine answers at {self.host}, and a private "
                               "dockerd needs root and the docker.io package")
        self.dir = os.path.join(work, "docker")
        os.makedirs(self.dir)
        self.host = f"unix://{self.dir}/docker.sock"
        log = open(os.path.join(self.dir, "dockerd.log"), "w")
        self.proc = subprocess.Popen(
            ["dockerd", f"--data-root={self.dir}/data", f"--exec-root={self.dir}/exec",
             f"--pidfile={self.dir}/docker.pid", "-H", self.host, "--storage-driver=vfs",
             "--iptables=false", "--ip-masq=false", "--bridge=none",
             "--containerd-namespace=cara-doc", "--containerd-plugins-namespace=cara-doc-p"],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)
        for _ in range(300):
            if docker_api(self.host, "/_ping").returncode == 0:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        tail = open(os.path.join(self.dir, "dockerd.log")).read()[-2000:]
        self.stop()
        raise RuntimeError(f"the private dockerd did not start:\n{tail}")

    def ensure_example_image(self, work):
        """cara/busybox:test, the image the examples run, made as the quick start makes it
        (busybox-static and a page), when the engine lacks it."""
        if docker_api(self.host, "/images/cara/busybox:test/json").returncode == 0:
            return
        root = os.path.join(work, "image")
        for d in ("bin", "www", "tmp", "data", "etc"):
            os.makedirs(os.path.join(root, d))
        shutil.copy("/bin/busybox", os.path.join(root, "bin/busybox"))
        applets = subprocess.run(["/bin/busybox", "--list"], capture_output=True,
                                 text=True).stdout
        for applet in applets.split():
            if applet != "busybox":
                os.symlink("busybox", os.path.join(root, "bin", applet))
        open(os.path.join(root, "www/index.html"), "w").write("<h1>Caravanserai</h1>\n")
        open(os.path.join(root, "etc/passwd"), "w").write("root:x:0:0:root:/root:/bin/sh\n")
        tar = os.path.join(work, "image.tar")
        subprocess.run(["tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf",
                        tar, "."], check=True, timeout=120)
        made = docker_api(self.host, "/images/create?fromSrc=-&repo=cara/busybox&tag=test",
                          args=["-X", "POST", "-H", "Content-Type: application/x-tar",
                                "--data-binary", "@" + tar])
        if made.returncode != 0:
            raise RuntimeError(f"importing cara/busybox:test failed: {made.stderr!r}")

    def stop(self):
        if not self.proc:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # dockerd leaves its shm and overlay mounts behind; unmount deepest first.
        mounts = [line.split()[1] for line in open("/proc/mounts")]
        for m in sorted((m for m in mounts if m.startswith(self.dir)), reverse=True):
            subprocess.run(["umount", "-l", m], capture_output=True)
        self.proc = None


def ensure_cara_user():
    """The package's `cara` system user (the guide chowns to it). Returns whether it was
    made here, so it is removed afterwards."""
    if subprocess.run(["id", "cara"], capture_output=True).returncode == 0:
        return False
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    "cara"], check=True)
    return True


def machine_session(repo, build, blocks, ports, base_env):
    root = tempfile.mkdtemp(prefix="cara-doc-machine-")
    install_into(repo, build, root)
    docker = None
    try:
        docker = DockerEngine(root)
        docker.ensure_example_image(root)
    except (RuntimeError, subprocess.SubprocessError) as e:
        if docker:
            docker.stop()
        shutil.rmtree(root, ignore_errors=True)
        return [f"the machine's Docker engine: {e}"]
    made_user = ensure_cara_user()
    home = os.path.join(root, "root")
    os.makedirs(home)
    subst = [("/usr/bin/cara", f"{root}/usr/bin/cara"), ("/etc/caravanserai", f"{root}/etc/caravanserai"),
             ("/var/lib/", f"{root}/var/lib/"), (":8080", f":{ports[0]}"),
             (":9090", f":{ports[1]}"), (":8081", f":{ports[2]}")]
    env = dict(base_env, HOME=home, PATH=f"{root}/bin:{root}/usr/bin:{base_env['PATH']}",
               CARA_DOC_UNIT_DIR=os.path.join(repo, "contrib/systemd"),
               CARA_DOC_STATE=os.path.join(root, "run"), CARA_DOC_SUBST=json.dumps(subst),
               PORT=str(ports[0]), AGENT_LISTEN_PORT=str(ports[1]),
               PROXY_LISTEN_ADDR=f":{ports[2]}", DOCKER_HOST=docker.host, GIT_AUTHOR_NAME="doc",
               GIT_AUTHOR_EMAIL="d@x", GIT_COMMITTER_NAME="doc", GIT_COMMITTER_EMAIL="d@x")
    errors = []
    try:
        for path in dict.fromkeys(b.path for b in blocks):
            mine = [b for b in blocks if b.path == path]
            err = run_script(mine, subst, home, env, f"machine {path}")
            if err:
                errors.append(err)
    finally:
        cleanup_machine(root, env)
        docker.stop()
        shutil.rmtree(root, ignore_errors=True)
        if made_user:
            subprocess.run(["userdel", "cara"], capture_output=True)
    return errors


def cleanup_machine(root, env):
    """Deletes the projects the blocks made (so the agent removes its containers), then
    stops every unit."""
    config = os.path.join(root, "var/lib/caravanserai/caractrl.yaml")
    ctl = [os.path.join(root, "usr/bin/caractrl"), "--config", config]
    if os.path.exists(config):
        names = subprocess.run(ctl + ["get", "projects", "-o", "name"], env=env,
                               capture_output=True, text=True).stdout.split()
        for name in names:
            subprocess.run(ctl + ["delete", name.replace("/", " ").split()[0],
                                  name.split("/")[-1]], env=env, capture_output=True)
        for _ in range(60):
            left = subprocess.run(ctl + ["get", "projects", "-o", "name"], env=env,
                                  capture_output=True, text=True).stdout.split()
            if not left:
                break
            time.sleep(1)
    for pid_file in glob.glob(os.path.join(root, "run/*.pid")):
        unit = os.path.basename(pid_file)[: -len(".pid")]
        subprocess.run([os.path.join(root, "bin/systemctl"), "stop", unit], env=env)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--check-only", action="store_true", help="check markers and ci blocks")
    ap.add_argument("--session", choices=["quickstart", "machine"],
                    help="run only the blocks of one session (when debugging the docs)")
    args = ap.parse_args()
    repo, build = os.path.abspath(args.repo), os.path.abspath(args.build)
    files = ["README.md"] + sorted(os.path.relpath(p, repo)
                                   for p in glob.glob(os.path.join(repo, "docs/*.md")))
    blocks, errors = [], []
    for rel in files:
        b, e = parse_blocks(repo, rel)
        blocks += b
        errors += e
    for b in blocks:
        if b.mode.startswith("ci"):
            errors += check_ci_block(repo, b)
    errors += check_flags_documented(repo, build)
    if not args.check_only and not errors:
        base_env = dict(os.environ)
        base_env.pop("CARA_CONFIG", None)
        ports = free_ports(3)
        qs = [b for b in blocks if b.mode == "run:quickstart"]
        machine = [b for b in blocks if b.mode == "run"]
        if qs and args.session in (None, "quickstart"):
            errors += quickstart_session(repo, build, qs, ports, base_env)
        if machine and args.session in (None, "machine"):
            errors += machine_session(repo, build, machine, ports, base_env)
    counts = dict(collections.Counter(b.mode for b in blocks))
    print(f"{len(files)} files, blocks: {counts}")
    for e in errors:
        print("error: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
