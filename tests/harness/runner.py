"""Runs one emulator, or listens to a real serial device, streams the
serial output through the KTAP parser and decides when the run is over.

The emulator gets its own session, so a timeout or Ctrl-C ends exactly the
processes this harness started and nothing else.
"""

import os
import select
import signal
import subprocess
import termios
import time
from dataclasses import dataclass, field

import ktap

# After the verdict the kernel powers off by itself; this long is allowed
# for the emulator to notice and exit.
POWER_OFF_GRACE = 10.0
POLL = 0.005
# A serial device has no emulator to exit: after the verdict line the run
# ends once the line has been quiet this long (the kernel may still report
# storing its summary), or this long at most.
DEVICE_QUIET = 0.5
DEVICE_TAIL = 2.0


@dataclass
class RunOutcome:
    result: ktap.Result
    crash: str = None           # why the run ended early, if it did
    problems: list = field(default_factory=list)   # e.g. exit code mismatch
    exit_status: int = None
    verdict_seconds: float = None   # launch to the verdict line
    seconds: float = 0.0            # launch to emulator gone
    interrupted: bool = False


class _Pipe:
    """The emulator's stdout, read as it is written."""

    def __init__(self, stream):
        self.fd = stream.fileno()
        os.set_blocking(self.fd, False)
        self.eof = False

    def read(self, wait):
        if self.eof:
            time.sleep(wait)
            return b""
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except BlockingIOError:
            return b""
        if not data:
            self.eof = True
        return data


class _Tail:
    """A file the emulator writes its serial port to (Bochs)."""

    def __init__(self, path):
        self.path = path
        self.f = None
        self.eof = False

    def read(self, wait):
        if self.f is None:
            try:
                self.f = open(self.path, "rb")
            except FileNotFoundError:
                time.sleep(wait)
                return b""
        data = self.f.read(65536)
        if not data:
            time.sleep(wait)
        return data

    def close(self):
        if self.f:
            self.f.close()


def kill_group(proc, grace=1.0):
    """End the emulator's process group, only while its leader is ours:
    once the leader is reaped the group id could name someone else's.
    Bochs ignores SIGTERM, hence the SIGKILL after a short grace."""
    if proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            pass


class _Tty:
    """A real serial line (a USB adapter, a PCIe card, AMT SOL): opened raw
    with 8N1 at the given speed, never as our controlling terminal."""

    def __init__(self, path, baud):
        speed = getattr(termios, "B%d" % baud, None)
        if speed is None:
            raise ValueError("unsupported baud rate %d" % baud)
        self.fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
        try:
            attr = termios.tcgetattr(self.fd)
            iflag, oflag, cflag, lflag, _, _, cc = attr
            # cfmakeraw(): no line editing, echo, signals or CR/NL mapping.
            iflag &= ~(termios.IGNBRK | termios.BRKINT | termios.PARMRK |
                       termios.ISTRIP | termios.INLCR | termios.IGNCR |
                       termios.ICRNL | termios.IXON | termios.IXOFF)
            oflag &= ~termios.OPOST
            lflag &= ~(termios.ECHO | termios.ECHONL | termios.ICANON |
                       termios.ISIG | termios.IEXTEN)
            cflag &= ~(termios.CSIZE | termios.PARENB | termios.CSTOPB |
                       termios.CRTSCTS)
            cflag |= termios.CS8 | termios.CREAD | termios.CLOCAL
            cc[termios.VMIN], cc[termios.VTIME] = 1, 0
            termios.tcsetattr(self.fd, termios.TCSANOW, [
                iflag, oflag, cflag, lflag, speed, speed, cc])
        except termios.error:
            os.close(self.fd)
            raise
        self.eof = False

    def read(self, wait):
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return b""
        try:
            return os.read(self.fd, 65536)
        except BlockingIOError:
            return b""
        except OSError:
            # The other end went away (a pty master closed, a USB adapter
            # unplugged): nothing more will come.
            self.eof = True
            time.sleep(wait)
            return b""

    def close(self):
        os.close(self.fd)


class _Stream:
    """Bytes to lines to parser events, with every byte kept in the log."""

    def __init__(self, log, on_event, stop=None):
        self.log = log
        self.on_event = on_event
        self.stop = stop
        self.stopped = None         # the event stop() chose to end at
        self.parser = ktap.Parser()
        self.buf = b""
        self.verdict_at = None
        self.nbytes = 0

    def push(self, data, t0):
        self.nbytes += len(data)
        self.log.write(data)
        self.log.flush()
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for line in lines:
            self._line(line, t0)

    def _line(self, raw, t0):
        for ev in self.parser.feed(raw.decode("utf-8", "replace")):
            if ev.kind == "verdict" and self.verdict_at is None:
                self.verdict_at = time.monotonic() - t0
            if self.on_event:
                self.on_event(ev)
            if self.stop and self.stopped is None and self.stop(ev):
                self.stopped = ev

    def close(self, t0):
        if self.buf:
            self._line(self.buf, t0)
            self.buf = b""
        return self.parser.finish()


def run(launch, timeout, log_path, emu_log_path, on_event=None, stop=None):
    """Boot once. Returns a RunOutcome; the raw serial log is always left
    at log_path, whatever happened. stop(event) returning true ends the
    run there, as a reset would (the emulator is killed)."""
    if launch.device:
        return run_device(launch, timeout, log_path, on_event)
    env = dict(os.environ)
    env.update(launch.env)
    if launch.serial_file and os.path.exists(launch.serial_file):
        # A previous run's log would be read as this one's.
        os.unlink(launch.serial_file)
    with open(log_path, "wb") as log, open(emu_log_path, "wb") as emu_log:
        stream = _Stream(log, on_event, stop)
        t0 = time.monotonic()
        proc = subprocess.Popen(
            launch.argv, cwd=launch.cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=emu_log if launch.serial_file else subprocess.PIPE,
            stderr=emu_log, start_new_session=True)
        source = _Tail(launch.serial_file) if launch.serial_file \
            else _Pipe(proc.stdout)
        out = RunOutcome(result=None)
        try:
            _loop(proc, source, stream, t0, timeout, out)
        except KeyboardInterrupt:
            out.interrupted = True
            out.crash = "interrupted by Ctrl-C"
            kill_group(proc)
            _drain(proc, source, stream, t0)
        finally:
            kill_group(proc)
            if proc.stdout:
                proc.stdout.close()
            if isinstance(source, _Tail):
                source.close()
        out.seconds = time.monotonic() - t0
        out.result = stream.close(t0)
        out.verdict_seconds = stream.verdict_at
    if out.crash is None and out.result.verdict is None and \
            out.exit_status is not None:
        out.crash = "emulator %s before the verdict" \
            % describe_exit(out.exit_status)
    _check_exit(launch, out)
    return out


def run_device(launch, timeout, log_path, on_event=None):
    """Listen to a serial device until the verdict line (and a short quiet
    tail after it) or the timeout; nothing is launched or killed."""
    with open(log_path, "wb") as log:
        stream = _Stream(log, on_event)
        source = _Tty(launch.device, launch.baud)
        out = RunOutcome(result=None)
        t0 = time.monotonic()
        last = t0
        try:
            while True:
                data = source.read(POLL * 10)
                now = time.monotonic()
                if data:
                    stream.push(data, t0)
                    last = now
                if stream.verdict_at is not None:
                    after = now - t0 - stream.verdict_at
                    if now - last >= DEVICE_QUIET or after >= DEVICE_TAIL:
                        break
                elif source.eof:
                    out.crash = "%s closed before the verdict" % launch.device
                    break
                elif now - t0 > timeout:
                    out.crash = "timeout after %g s" % timeout
                    break
        except KeyboardInterrupt:
            out.interrupted = True
            out.crash = "interrupted by Ctrl-C"
        finally:
            source.close()
        out.seconds = time.monotonic() - t0
        out.result = stream.close(t0)
        out.verdict_seconds = stream.verdict_at
    if out.crash and out.result.version is None and stream.nbytes:
        # Bytes at the wrong speed decode as garbage and never as a header.
        out.crash = "%d bytes but no KTAP: wrong baud rate? (%s)" % (
            stream.nbytes, out.crash)
    return out


def describe_exit(status):
    if status < 0:
        return "killed by signal %d (%s)" % (-status,
                                             signal.Signals(-status).name)
    return "exited with status %d" % status


def _loop(proc, source, stream, t0, timeout, out):
    deadline = t0 + timeout
    while True:
        data = source.read(POLL)
        if data:
            stream.push(data, t0)
        status = proc.poll()
        if status is not None:
            out.exit_status = status
            _drain(proc, source, stream, t0)
            return
        now = time.monotonic()
        if stream.stopped is not None:
            kill_group(proc)
            _drain(proc, source, stream, t0)
            out.crash = "stopped by the harness at %s %s" % (
                stream.stopped.kind, stream.stopped.value)
            return
        if stream.verdict_at is not None:
            # The verdict is in: only the power-off is still awaited.
            if now - t0 - stream.verdict_at > POWER_OFF_GRACE:
                kill_group(proc)
                _drain(proc, source, stream, t0)
                out.problems.append(
                    "the emulator was still running %g s after the verdict:"
                    " the kernel did not power off" % POWER_OFF_GRACE)
                return
        elif now > deadline:
            kill_group(proc)
            _drain(proc, source, stream, t0)
            out.crash = "timeout after %g s" % timeout
            return


def _drain(proc, source, stream, t0):
    """Read what the emulator wrote before it went away. A pipe that stays
    open after the leader died means a process of its group still holds
    it: the group still exists, so ending it names no one else."""
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        data = source.read(POLL)
        if data:
            stream.push(data, t0)
        elif isinstance(source, _Tail) or source.eof:
            return
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _check_exit(launch, out):
    """The log decides the verdict; the exit status only has to agree."""
    verdict = out.result.verdict
    if launch.exit_codes is None or out.crash or out.problems or \
            verdict not in launch.exit_codes or out.exit_status is None:
        return
    want = launch.exit_codes[verdict]
    if out.exit_status != want:
        out.problems.append(
            "harness: emulator exit status %d contradicts the log verdict "
            "%s (expected %d)" % (out.exit_status, verdict, want))
