"""Warm start: a preloaded Scion process forks each CLI run, so a command pays no start-up.

Python with Scion's imports takes 0.1-0.3 s to start, most of a small
command's time. The first `scion` run starts, beside its own work, a
*warm process* (`zygote.py`) that imports everything a command may need
and then waits on a Unix socket. Each later run is a tiny client
(`launch.py`: the standard library's socket and nothing else of Scion) that
hands the warm process its arguments, working folder, environment, umask
and its own stdin/stdout/stderr (passed as file descriptors), and waits
for the exit code. The warm process forks; the child takes the client's
place, runs the ordinary CLI entry point and exits. A fork shares the
preloaded modules copy-on-write and keeps nothing from one run to the next,
so a warm run behaves as a fresh process would (the suite runs the same
commands both ways and compares); only imports are saved.

The same idea as nailgun, Gradle's daemon or Android's zygote. Where it
steps aside (a cold run, as before): `SCION_WARM=0`, `[cli] warm = false`
in the user's config.toml, `scion serve`, a platform without Unix sockets
or fd passing, or a socket folder that is not the user's own (`place.py`).
"""
