"""docker-compose.yml, parsed (Docker does not run here): the production shape and its settings.

Replicas behind nginx, sharing the Postgres tracker store and app database and
the Redis lock store; the compose endpoints differ from endpoints.yml only in
the action server's address; every file the compose file and the Dockerfile
use exists; every variable the compose file reads is documented in the README.
"""

import os
import re
import shutil
import subprocess

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot import PROJECT_ROOT
from bot.rasa.lock_store import AtomicRedisLockStore

COMPOSE = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
NGINX_CONF = (PROJECT_ROOT / "deploy" / "nginx.conf").read_text()
DOCKERFILE = (PROJECT_ROOT / "Dockerfile").read_text()
VARIABLE = re.compile(r"\$\{(\w+)(?:(:?[-?])([^}]*))?\}")
EXAMPLE_ENV = {
    "POSTGRES_PASSWORD": "pw",
    "WEB_SESSION_SECRET": "s" * 64,
    "CLINIC_PROGRAM_NAME": "p",
    "CLINIC_PHONE": "1",
    "CLINIC_HOURS": "h",
    "CLINIC_AFTER_HOURS_PHONE": "2",
}


def interpolate(value: str, env: dict) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} substitution."""

    def substitute(match):
        name, op, arg = match.groups()
        if env.get(name):
            return env[name]
        if op and "?" in op:
            raise KeyError(f"{name}: {arg}")
        return arg or ""

    return VARIABLE.sub(substitute, str(value))


def env_of(service: str, env: dict = EXAMPLE_ENV) -> dict:
    return {k: interpolate(v, env) for k, v in (SERVICES[service].get("environment") or {}).items()}


def replicas():
    return sorted(
        name for name, s in SERVICES.items() if s.get("command", [])[:3] == ["python", "-m", "bot.ops.rasa_server"]
    )


def option(command: list, flag: str) -> str:
    return command[command.index(flag) + 1]


def test_services_of_the_production_shape():
    assert set(SERVICES) == {"rasa-1", "rasa-2", "actions", "nginx", "web", "staff", "postgres", "redis"}
    assert replicas() == ["rasa-1", "rasa-2"]
    built = [name for name, s in SERVICES.items() if "build" in s]
    assert sorted(built) == ["actions", "rasa-1", "rasa-2", "staff", "web"]
    assert {SERVICES[name]["image"] for name in built} == {"pump-assistant"}
    assert all(s.get("restart") == "unless-stopped" for s in SERVICES.values())


@pytest.mark.parametrize("replica", ["rasa-1", "rasa-2"])
def test_replicas_share_postgres_and_redis(replica):
    service, env = SERVICES[replica], env_of(replica)
    tracker, app = make_url(env["TRACKER_STORE_URL"]), make_url(env["APP_DATABASE_URL"])
    postgres = env_of("postgres")
    assert (tracker.get_backend_name(), tracker.host, tracker.username) == (
        "postgresql",
        "postgres",
        postgres["POSTGRES_USER"],
    )
    assert tracker.database == postgres["POSTGRES_DB"]
    assert tracker.password == postgres["POSTGRES_PASSWORD"] == app.password == "pw"
    assert (app.host, app.database) == ("postgres", "pump_app")
    init_sql = (PROJECT_ROOT / "deploy" / "postgres-init.sql").read_text()
    assert f"CREATE DATABASE {app.database} OWNER {postgres['POSTGRES_USER']}" in init_sql

    lock = AtomicRedisLockStore(env["LOCK_STORE_URL"])  # parses the URL, connects to nothing
    assert lock.red.connection_pool.connection_kwargs["host"] == "redis"
    assert int(env["SANIC_WORKERS"]) >= 1

    assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert service["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "ports" not in service, "replicas are reached through nginx only"
    assert "--enable-api" not in service["command"]
    assert not {"RASA_API_TOKEN", "RASA_API_TOKEN_FILE"} & set(env), "the HTTP API stays off in compose"
    assert set(service["networks"]) == {"front", "back"}
    assert option(service["command"], "--endpoints") == "deploy/endpoints.yml"
    assert option(service["command"], "--port") == "5005"
    assert (PROJECT_ROOT / option(service["command"], "--credentials")).exists()


def test_every_required_setting_must_be_given():
    for name in ("POSTGRES_PASSWORD", "CLINIC_PHONE", "CLINIC_AFTER_HOURS_PHONE"):
        with pytest.raises(KeyError, match=name):
            env_of("rasa-1", {k: v for k, v in EXAMPLE_ENV.items() if k != name})
    for service in ("rasa-1", "actions", "web"):
        assert {"CLINIC_PROGRAM_NAME", "CLINIC_PHONE", "CLINIC_HOURS", "CLINIC_AFTER_HOURS_PHONE"} <= set(
            env_of(service)
        )


def test_compose_endpoints_are_endpoints_yml_with_the_action_server_in_compose():
    ours = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    compose = yaml.safe_load((PROJECT_ROOT / "deploy" / "endpoints.yml").read_text())
    action_port = option(SERVICES["actions"]["command"], "--port")
    assert compose.pop("action_endpoint") == {"url": f"http://actions:{action_port}/webhook"}
    ours.pop("action_endpoint")
    assert compose == ours


def test_nginx_balances_the_replicas_and_forwards_only_the_channels():
    upstreams = dict(re.findall(r"upstream (\w+) \{(.*?)\}", NGINX_CONF, re.S))
    assert set(upstreams) == {"rasa_replicas", "rasa_socketio", "staff_page"}
    for name in ("rasa_replicas", "rasa_socketio"):
        assert re.findall(r"server ([\w-]+):(\d+)", upstreams[name]) == [(r, "5005") for r in replicas()]
    assert "ip_hash;" in upstreams["rasa_socketio"], "socket.io connections must stay on one replica"
    plain, tls, staff = NGINX_CONF.split("server {")[1:]
    assert "listen 80;" in plain and "return 301 https://$host$request_uri;" in plain and "location" not in plain
    assert "listen 443 ssl" in tls and "Strict-Transport-Security" in tls
    locations = re.findall(r"location (=?\s*\S+) \{", tls)
    assert locations == ["/webhooks/sms/", "/webhooks/rest/", "/socket.io/", "= /health", "/"]
    rest = tls.split("location /webhooks/rest/ {")[1].split("location")[0]
    assert "if ($rest_allowed = 0)" in rest and "return 401;" in rest
    assert "return 404;" in tls.split("location / {")[1]

    nginx = SERVICES["nginx"]
    template, certs = nginx["volumes"]
    mount = template.split(":")
    assert (PROJECT_ROOT / mount[0]).resolve() == PROJECT_ROOT / "deploy" / "nginx.conf"
    assert mount[1] == "/etc/nginx/templates/default.conf.template"
    assert certs.endswith(":/etc/nginx/tls:ro") and "ssl_certificate /etc/nginx/tls/fullchain.pem;" in tls
    assert sorted(nginx["ports"]) == ["443:443", "80:80", "8443:8443"]
    assert set(nginx["depends_on"]) == set(replicas()) | {"staff"}

    # The page tells browsers to reach Rasa through nginx, and the replicas accept the page's origin.
    web = env_of("web")
    assert web["RASA_URL"] == "https://localhost"
    web_port = SERVICES["web"]["ports"][0].split(":")[0]
    assert env_of("rasa-1")["WEB_ALLOWED_ORIGINS"] == f"http://localhost:{web_port}"


def test_the_staff_page_is_behind_tls_with_secure_cookies_and_the_same_stores():
    staff_server = NGINX_CONF.split("server {")[3]
    assert "listen 8443 ssl" in staff_server and "proxy_pass http://staff_page;" in staff_server
    assert re.findall(r"server ([\w-]+):(\d+)", NGINX_CONF.split("upstream staff_page {")[1].split("}")[0]) == [
        ("staff", option(SERVICES["staff"]["command"], "--port"))
    ]
    service, env, replica = SERVICES["staff"], env_of("staff"), env_of("rasa-1")
    assert "ports" not in service, "reached through nginx only"
    assert env["STAFF_COOKIE_SECURE"] == "1" and env["STAFF_BEHIND_PROXY"] == "1"
    assert (env["TRACKER_STORE_URL"], env["APP_DATABASE_URL"]) == (
        replica["TRACKER_STORE_URL"],
        replica["APP_DATABASE_URL"],
    )


def test_only_the_replicas_reach_the_action_server_and_the_stores():
    assert COMPOSE["networks"]["back"]["internal"] is True
    for name in ("actions", "postgres", "redis"):
        assert SERVICES[name]["networks"] == ["back"] and "ports" not in SERVICES[name], name
    for name in ("nginx", "web"):
        assert "back" not in SERVICES[name]["networks"], name


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx (Debian nginx-light, `make system-deps`) not installed")
@pytest.mark.parametrize(
    "token, header, allowed",
    [
        ("t" * 32, "Bearer " + "t" * 32, "1"),
        ("t" * 32, "Bearer " + "x" * 32, "0"),
        ("", "Bearer ", "0"),
        ("short", "Bearer short", "0"),
    ],
)
def test_nginx_accepts_the_config_and_opens_rest_only_to_the_token(tmp_path, token, header, allowed):
    """The real nginx checks the file (as the image fills it in) and evaluates the REST map."""
    conf = NGINX_CONF.replace("${REST_WEBHOOK_TOKEN}", token)
    conf = re.sub(r"server (rasa-\d|staff):\d+", r"server 127.0.0.1:9", conf)  # no compose DNS here
    tls = tmp_path / "tls"
    tls.mkdir()
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=test",
            "-keyout",
            str(tls / "privkey.pem"),
            "-out",
            str(tls / "fullchain.pem"),
        ],
        check=True,
        capture_output=True,
    )
    conf = conf.replace("/etc/nginx/tls", str(tls))
    # Evaluate the map for one header: a test server answering with $rest_allowed.
    probe = "server {{ listen 127.0.0.1:{port}; location / {{ return 200 $rest_allowed; }} }}"
    from tools.stack.servers import free_port

    port = free_port()
    conf = (
        conf.replace("listen 80;", f"listen 127.0.0.1:{free_port()};")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{free_port()} ssl http2;")
        .replace("listen 8443 ssl http2;", f"listen 127.0.0.1:{free_port()} ssl http2;")
    )
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}; {conf}\n{probe.format(port=port)} }}\n"
    )
    check = subprocess.run([NGINX, "-t", "-c", str(main), "-p", str(tmp_path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proc = subprocess.Popen(
        [NGINX, "-c", str(main), "-p", str(tmp_path), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        import time

        import requests

        for _ in range(50):
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/", headers={"Authorization": header}, timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.text == allowed
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_files_the_compose_file_and_dockerfile_use_exist():
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            source = interpolate(source, {})
            if source.startswith("."):
                assert (PROJECT_ROOT / source).exists(), source
    assert (
        DOCKERFILE.splitlines()[[line.startswith("FROM") for line in DOCKERFILE.splitlines()].index(True)]
        == "FROM python:3.10-slim"
    )
    assert "RUN make train" in DOCKERFILE
    for line in DOCKERFILE.splitlines():
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert list(PROJECT_ROOT.glob(source.rstrip("/"))), f"Dockerfile copies {source}, which is missing"


def test_every_variable_the_compose_file_reads_is_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text()
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    names = sorted({m.group(1) for m in VARIABLE.finditer(text)})
    assert names
    missing = [name for name in names if f"`{name}`" not in readme]
    assert not missing, f"docker-compose.yml reads {missing}, which README.md does not mention"
