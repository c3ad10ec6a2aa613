"""The start-up budget: a web process loads discord.py, arq, redis, httpx and the plugins' job code
only when it needs them.

Checked in a fresh interpreter (this test process has loaded everything already): build the
host and the app for the PATT site with every plugin, run the lifespan (startup hooks), serve
a page and the health check, and list what got imported.

The plugins ``PATT_EXTRA_PLUGINS`` names join mito in that process, so an out-of-tree plugin
installed into the checkout's venv is checked with ``PATT_EXTRA_PLUGINS=<name> python3 dev.py test
tests/host/test_startup_imports.py`` (docs/plugins/testing.md).
"""

import json
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys

    from patt_host.app import create_app
    from patt_host.host import Host

    WATCHED = {"discord", "arq", "redis", "aiohttp", "httpx"}

    def loaded():
        return sorted({m.split(".")[0] for m in sys.modules} & WATCHED)

    def job_modules():  # the plugins' job code ("module:function" jobs load when they run)
        plugin_modules = (m for m in sys.modules if m.startswith("patt_") and not m.startswith("patt_host"))
        return sorted(m for m in plugin_modules if m.endswith(".jobs"))

    async def main():
        app = create_app(Host(), start_services=True)
        async with app.router.lifespan_context(app):
            started = loaded()
            import httpx  # the test's own client, only after the start was looked at

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                statuses = [(await client.get(path)).status_code for path in ("/", "/api/health", "/roster")]
        served = [m for m in loaded() if m != "httpx"]
        print(json.dumps({"statuses": statuses, "started": started, "served": served, "jobs": job_modules()}))

    asyncio.run(main())
    """
)


def start(env_extra: dict[str, str], database_url: str, tmp_path) -> dict:
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": database_url,
        "PATT_SITE": "patt",
        "PATT_EXTRA_PLUGINS": ",".join(
            ["mito", *filter(None, os.environ.get("PATT_EXTRA_PLUGINS", "").split(","))]
        ),
        "JWT_SECRET_KEY": "startup-test-secret-0123456789-0123456789",
        "PATT_DATA_DIR": str(tmp_path),
        **env_extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_bot_token_or_redis_the_web_process_loads_neither(clean_database, tmp_path):
    result = start({}, clean_database.url, tmp_path)
    assert result["statuses"] == [200, 200, 200]
    assert result["started"] == []  # not even httpx (the Blizzard client loads it when a sync runs)
    assert result["served"] == []
    assert result["jobs"] == []  # no job has run yet, so none of their code is loaded


def test_redis_is_loaded_when_the_site_uses_it(clean_database, redis_url, tmp_path):
    result = start({"REDIS_URL": redis_url}, clean_database.url, tmp_path)
    assert result["statuses"] == [200, 200, 200]
    assert result["served"] == ["redis"]  # still no discord.py (no token) and no arq (not a worker)
    assert result["jobs"] == []  # the worker runs the jobs: this process never loads their code


def run_fresh(script: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_importing_patt_host_loads_neither_the_web_app_nor_the_database_layer():
    # Every process imports `patt_host` first (the `patt` script, each plugin's plugin.py); its public
    # names load on first use, so the start-up of a command pays only for what it uses.
    out = run_fresh(
        """
        import sys
        import patt_host
        print(sorted({"fastapi", "sqlalchemy", "pydantic_settings", "jinja2"} & {m.split(".")[0] for m in sys.modules}))
        from patt_host import Job, LandingPage, hookimpl
        print(Job.__module__, LandingPage.__module__, hookimpl.project_name)
        """
    )
    lazy, names = out.splitlines()
    assert lazy == "[]"
    assert names == "patt_host.jobs.types patt_host.landing patt"


def test_the_patt_script_turns_the_collector_back_on_for_every_command_but_the_servers():
    # patt_host.console keeps the cyclic collector off while start-up builds its objects; a command
    # such as `patt plugins list` must run with it on again (a long job would otherwise grow).
    out = run_fresh(
        """
        import gc, sys
        import patt_host.cli.base as base
        from patt_host import console

        seen = []
        original = base._configure_logging
        base._configure_logging = lambda verbose: (seen.append(gc.isenabled()), original(verbose))
        sys.argv = ["patt", "plugins", "list"]
        try:
            console.main()
        except SystemExit as exc:
            assert not exc.code, exc.code
        print(seen, gc.isenabled())
        """
    )
    assert out.splitlines()[-1] == "[True] True"


def test_patt_worker_runs_jobs_with_start_ups_objects_frozen():
    # As `patt serve`: a job's full collections then skip everything start-up built (they cost a
    # profession sync a quarter of its CPU). The worker loop itself is replaced: no Redis needed.
    out = run_fresh(
        """
        import gc, os, sys
        os.environ.update(PATT_SITE="patt", REDIS_URL="redis://127.0.0.1:1/0",
                          JWT_SECRET_KEY="startup-test-secret-0123456789-0123456789")
        import patt_host.cli.processes as processes
        import patt_host.jobs.arq_worker as arq_worker
        from patt_host import console

        processes.ensure_migrated = lambda host: None
        arq_worker.run_worker = lambda host: print("ran", gc.isenabled(), gc.get_freeze_count() > 10_000)
        sys.argv = ["patt", "worker"]
        try:
            console.main()
        except SystemExit as exc:
            assert not exc.code, exc.code
        """
    )
    assert out.splitlines()[-1] == "ran True True"


def test_what_serve_freezes_without_collecting_is_little_garbage():
    # `patt serve` freezes start-up's objects without a full collection first (patt_host.console.
    # startup_done): the collection cost a tenth of the start and found ~1,900 unreachable objects.
    # Those stay for the life of the process, so their number and size are held here.
    out = run_fresh(
        """
        import gc, json, os, sys
        gc.disable()
        os.environ.update(PATT_SITE="patt", PATT_EXTRA_PLUGINS="crafting,drift,guild_sync,identity,mito,onboarding,raids,voting",
                          JWT_SECRET_KEY="startup-test-secret-0123456789-0123456789")
        from patt_host.app import create_app
        from patt_host.host import Host
        app = create_app(Host(env_file=None))  # kept, as uvicorn keeps it
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
        garbage = gc.garbage
        ids, seen, size, stack = {id(o) for o in garbage}, set(), 0, list(garbage)
        while stack:  # the unreachable objects and the strings/numbers only they hold
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            size += sys.getsizeof(obj)
            stack.extend(r for r in gc.get_referents(obj) if id(r) in ids or isinstance(r, (str, bytes, int, float)))
        print(json.dumps({"objects": len(garbage), "bytes": size}))
        """
    )
    garbage = json.loads(out.splitlines()[-1])
    assert garbage["objects"] < 5_000, garbage
    assert garbage["bytes"] < 1_000_000, garbage
