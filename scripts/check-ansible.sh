#!/usr/bin/env bash
# CI checks for the Ansible side of labops (the repository AAP's project "HomeLab Ops" pulls):
#   1. ansible-playbook --syntax-check on every playbook (localhost inventory)
#   2. ansible-lint on playbooks/ (profile: first argument or ANSIBLE_LINT_PROFILE, default production)
#   3. Master Deploy's task list and its refusals, on its own without labops (check mode, local connection,
#      no Docker engine needed): patterns and groups as limit, hosts without the Docker-host role, host paths
#      outside the roots, runtime sockets, elevated options, templated values (which must stay data), an
#      unknown app_action or app_log_lines; and that remove, restart and logs reach their own tasks only
#   4. a REAL run of cleanup_ocp.yml against localhost on a temporary tree: deletes, every
#      refused escape, and the restore play from a fake .zfs/snapshot/<name>/ directory.
# Installs nothing. Needs the Debian packages `ansible` and `ansible-lint`
# (apt-get install -y ansible ansible-lint), which bring awx.awx and community.docker.
set -uo pipefail

PROFILE="${1:-${ANSIBLE_LINT_PROFILE:-production}}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2

for tool in ansible-playbook ansible-lint ansible-galaxy realpath; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "check-ansible: '$tool' is not installed. Install it with: apt-get update && apt-get install -y ansible ansible-lint" >&2
    exit 2
  fi
done

export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 ANSIBLE_RETRY_FILES_ENABLED=0
# The Nautobot inventory plugin is not in Debian's ansible; every run here uses explicit inventories.
export ANSIBLE_INVENTORY_ENABLED=host_list,ini,yaml
export ANSIBLE_LOCALHOST_WARNING=0 ANSIBLE_DEPRECATION_WARNINGS=0

PASSED=0
FAILED=0
SKIPPED=0
WORK="$(mktemp -d)"
WORK="$(realpath "$WORK")"
trap 'rm -rf "$WORK"' EXIT
LOG="$WORK/last.log"

pass() { PASSED=$((PASSED + 1)); echo "  ok    $*"; }
fail() { FAILED=$((FAILED + 1)); echo "  FAIL  $*"; [ -f "$LOG" ] && sed 's/^/        | /' "$LOG" | tail -n 25; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "  skip  $*"; }

echo "== collections"
for c in awx.awx community.docker; do
  if ansible-galaxy collection list "$c" 2>/dev/null | grep -q "^$c "; then
    pass "collection $c: $(ansible-galaxy collection list "$c" 2>/dev/null | awk -v c="$c" '$1==c {print $2; exit}')"
  else
    LOG=/dev/null fail "collection $c is missing (apt-get install -y ansible, or ansible-galaxy collection install -r collections/requirements.yml)"
  fi
done
if ansible-galaxy collection list networktocode.nautobot 2>/dev/null | grep -q "^networktocode.nautobot "; then
  if ansible-doc -t inventory networktocode.nautobot.inventory >"$LOG" 2>&1; then pass "inventory plugin networktocode.nautobot.inventory loads"; else fail "inventory plugin networktocode.nautobot.inventory"; fi
else
  skip "inventory/nautobot.yml: networktocode.nautobot is not installed (not in Debian's ansible); AAP installs it from collections/requirements.yml. Its YAML is checked by test/iac/playbooks.test.ts."
fi

echo "== syntax-check"
for pb in playbooks/*.yml; do
  if ansible-playbook -i localhost, --syntax-check "$pb" >"$LOG" 2>&1; then pass "syntax $pb"; else fail "syntax $pb"; fi
done

echo "== ansible-lint (profile $PROFILE)"
if ansible-lint --offline --profile "$PROFILE" --nocolor playbooks/ >"$LOG" 2>&1; then
  pass "ansible-lint playbooks/ ($(grep -Eo 'passed profile[^.]*|Passed[^.]*' "$LOG" | head -1 || true))"
else
  fail "ansible-lint playbooks/"
fi

echo "== master_deploy.yml"
# The host vars the Nautobot inventory gives (role, config_context); networktocode.nautobot >= 5.13 marks
# them unsafe, which the !unsafe tags below stand for: a Jinja marker stays text and must be refused.
cat >"$WORK/deploy-inventory.yml" <<'YAML'
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: /usr/bin/python3
    ansible_become: false
    config_context:
      docker_host: {networks: [proxy], restart_policy: unless-stopped, host_path_roots: [/srv, /opt/appdata, /mnt]}
      app_list:
        grafana: {host: docker01, image: "grafana/grafana:11.2.0", ports: ["3000:3000"], volumes: ["grafana_data:/var/lib/grafana", "/opt/appdata/grafana:/etc/grafana:ro"], env: {}, networks: [proxy], alternate_hosts: [docker02]}
        traefik: {host: edge01, image: "traefik:v3.1"}
        nas: {host: truenas01, image: "nginx:1.25"}
        rootfs: {host: docker01, image: "nginx:1.25", volumes: ["/:/host"]}
        etc: {host: docker01, image: "nginx:1.25", volumes: ["/etc:/x"]}
        sock: {host: docker01, image: "nginx:1.25", volumes: ["/var/run/docker.sock:/var/run/docker.sock"]}
        escape: {host: docker01, image: "nginx:1.25", volumes: ["/srv/../etc:/x"]}
        priv: {host: docker01, image: "nginx:1.25", privileged: true}
        hostnet: {host: docker01, image: "nginx:1.25", networks: [host]}
        tmpl: {host: docker01, image: "nginx:1.25", env: {A: !unsafe "{{ lookup('pipe', 'touch /tmp/labops-pwned') }}"}}
        tmplvol: {host: docker01, image: "nginx:1.25", volumes: [!unsafe "/srv/{% if true %}x{% endif %}:/x"]}
  hosts:
    docker01: {role: docker-host}
    docker02: {role: docker-host}
    edge01: {role: docker-host}
    truenas01: {role: storage}
    fw01: {role: firewall}
YAML
if ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml --list-tasks >"$LOG" 2>&1 \
  && for t in "Ensure network" "Pull image" "Ensure volumes" "Run container" "Wait for healthcheck" "Look up container" "Check the container exists" "Restart container" "Read container logs" "Remove container"; do grep -q "docker_app : $t" "$LOG" || exit 1; done; then
  pass "master_deploy task names match the fake AAP (docker_app : Ensure network ... Wait for healthcheck, ... Remove container)"
else
  fail "master_deploy task names"
fi
# Check mode on a local connection: every refusal must happen in the pre_tasks, before any docker_app task.
deploy_refused() { # $1 label, $2 expected message, rest: ansible-playbook args
  local label="$1" want="$2"; shift 2
  if ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml --check "$@" >"$LOG" 2>&1; then
    fail "master_deploy refuses $label (it succeeded)"
  elif grep -qF -- "$want" "$LOG" && ! grep -q "TASK \[docker_app :" "$LOG"; then
    pass "master_deploy refuses $label"
  else
    fail "master_deploy refuses $label (expected '$want' before any docker_app task)"
  fi
}
deploy_refused "a launch without limit" "refusing to touch every host" -e app=grafana
deploy_refused "an app not in app_list" "No app 'nope'" --limit docker01 -e app=nope
deploy_refused "an app on another host" "target_host 'edge01': the limit 'docker01' is not that host name" --limit docker01 -e app=traefik
deploy_refused "a malformed app name" "No app '../x'" --limit docker01 -e app=../x
deploy_refused "limit all" "the limit 'all' is not that host name" --limit all -e app=grafana
deploy_refused "a limit pattern (docker0*)" "the limit 'docker0*' is not that host name" --limit 'docker0*' -e app=grafana -e target_host=docker01
deploy_refused "a target host the app is not meant for (fw01)" "app_list says grafana runs on docker01 (or docker02), not fw01." --limit fw01 -e app=grafana -e target_host=fw01
deploy_refused "a non-Docker host (truenas01)" "truenas01 has the role 'storage' in Nautobot, not docker-host" --limit truenas01 -e app=nas
deploy_refused "the volume /:/host" "Refusing rootfs: system directory: /;" --limit docker01 -e app=rootfs
deploy_refused "the volume /etc:/x" "Refusing etc: system directory: /etc;" --limit docker01 -e app=etc
deploy_refused "the Docker socket" "container runtime socket: /var/run/docker.sock" --limit docker01 -e app=sock
deploy_refused "a .. escape" "host path with an empty, . or .. segment: /srv/../etc" --limit docker01 -e app=escape
deploy_refused "the host network" "network host (network_mode host needs an admin)" --limit docker01 -e app=hostnet
deploy_refused "privileged mode without allow_elevated" "elevated options (privileged) need allow_elevated" --limit docker01 -e app=priv
rm -f /tmp/labops-pwned
deploy_refused "a templated env value" "Refusing tmpl: a value holds a Jinja marker" --limit docker01 -e app=tmpl
deploy_refused "a templated volume" "Refusing tmplvol: a value holds a Jinja marker" --limit docker01 -e app=tmplvol
if [ -e /tmp/labops-pwned ]; then LOG=/dev/null fail "the templated value was evaluated (/tmp/labops-pwned exists)"; rm -f /tmp/labops-pwned; else pass "the templated value stayed data (nothing ran)"; fi
deploy_passes() { # $1 label, rest: ansible-playbook args; passes every check, then stops at the first docker_app task (no Docker here)
  local label="$1"; shift
  ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml --check "$@" >"$LOG" 2>&1
  if grep -q "TASK \[Check the app's entry is safe to run\]" "$LOG" && grep -q "TASK \[docker_app : Ensure network\]" "$LOG" && ! grep -q "Refusing\|app_list says\|is not that host name\|in Nautobot, not" "$LOG"; then
    pass "master_deploy accepts $label"
  else
    fail "master_deploy accepts $label"
  fi
}
deploy_refused "an unknown app_action" "app_action must be deploy, restart, logs or remove (got 'purge')" --limit docker01 -e app=grafana -e app_action=purge
deploy_refused "app_log_lines out of range" "app_log_lines a whole number from 1 to 1000 (got '5000')" --limit docker01 -e app=grafana -e app_action=logs -e app_log_lines=5000
deploy_refused "app_log_lines that is not a number" "app_log_lines a whole number from 1 to 1000" --limit docker01 -e app=grafana -e app_action=logs -e '{"app_log_lines": "1 --since 1970"}'
deploy_refused "remove on another host" "target_host 'edge01': the limit 'docker01' is not that host name" --limit docker01 -e app=traefik -e app_action=remove
deploy_passes "grafana on docker01" --limit docker01 -e app=grafana
deploy_passes "grafana on its alternate host docker02" --limit docker02 -e app=grafana -e target_host=docker02
deploy_passes "privileged mode with allow_elevated" --limit docker01 -e app=priv -e allow_elevated=true
# remove, restart and logs act on the named container only: no deploy task runs, and an entry that could not
# be deployed (privileged without allow_elevated) can still be removed.
action_reaches() { # $1 label, $2 the task it must reach, rest: ansible-playbook args
  local label="$1" task="$2"; shift 2
  ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml --check "$@" >"$LOG" 2>&1
  if grep -q "TASK \[docker_app : $task\]" "$LOG" && ! grep -q "Refusing\|app_list says\|is not that host name\|in Nautobot, not\|app_action must be" "$LOG" \
     && grep -A2 "TASK \[docker_app : Ensure network\]" "$LOG" | grep -q "skipping: \[docker01\]"; then
    pass "master_deploy $label reaches docker_app : $task; the deploy tasks are skipped"
  else
    fail "master_deploy $label (expected docker_app : $task, the deploy tasks skipped)"
  fi
}
action_reaches "app_action=remove of a privileged entry" "Remove container" --limit docker01 -e app=priv -e app_action=remove
action_reaches "app_action=restart" "Look up container" --limit docker01 -e app=grafana -e app_action=restart
action_reaches "app_action=logs" "Look up container" --limit docker01 -e app=grafana -e app_action=logs -e app_log_lines=50

echo "== github_runner.yml"
# The play targets the host the limit names; without one, or with a pattern, it refuses before any change.
runner_refused() { # $1 label, rest: ansible-playbook args
  local label="$1"; shift
  if ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/github_runner.yml --check "$@" >"$LOG" 2>&1; then
    fail "github_runner refuses $label (it succeeded)"
  elif grep -q "must be launched with limit=<the runner's host name>" "$LOG" && ! grep -q "Install packages the runner needs" "$LOG"; then
    pass "github_runner refuses $label"
  else
    fail "github_runner refuses $label (expected the limit assertion before any change)"
  fi
}
runner_refused "a launch without a limit (every host)"
runner_refused "a host pattern as the limit" --limit 'docker0*'

echo "== cleanup_ocp.yml (real run on a temporary share)"
SHARE="$WORK/mnt/Media/docker-media"
OUTSIDE="$WORK/mnt/Media/outside"
SNAP="chatops-predelete-20250203T101500"
cat >"$WORK/cleanup-inventory.ini" <<INI
truenas01 ansible_connection=local ansible_python_interpreter=/usr/bin/python3 ansible_become=false
INI
seed_share() {
  rm -rf "$WORK/mnt"
  mkdir -p "$SHARE" "$OUTSIDE/ocp-victim-2024-09-10"
  echo keep >"$OUTSIDE/ocp-victim-2024-09-10/data.txt"
  for d in ocp-sno01-2025-03-14 ocp-sno01-2025-06-02 ocp-lab-2024-11-30 ocp-old-2023-01-31 grafana jellyfin nextcloud; do
    mkdir -p "$SHARE/$d/sub"
    echo "$d" >"$SHARE/$d/sub/file.txt"
  done
  echo "not a dir" >"$SHARE/ocp-notes-2024-01-01"
  ln -s "$OUTSIDE/ocp-victim-2024-09-10" "$SHARE/ocp-link-2024-09-10"
  mkdir -p "$SHARE/.zfs/snapshot/$SNAP"
}
tree_listing() { (cd "$WORK/mnt" && find . -printf '%y %p %l\n' | LC_ALL=C sort); }
cleanup_run() { ansible-playbook -i "$WORK/cleanup-inventory.ini" playbooks/cleanup_ocp.yml -e "cleanup_share=$SHARE" "$@" >"$LOG" 2>&1; }

seed_share
cp -a "$SHARE/ocp-sno01-2025-03-14" "$SHARE/.zfs/snapshot/$SNAP/"
cp -a "$SHARE/ocp-sno01-2025-06-02" "$SHARE/.zfs/snapshot/$SNAP/"
before="$(tree_listing)"
if cleanup_run -e '{"cleanup_folders": ["ocp-sno01-2025-03-14", "ocp-sno01-2025-06-02"]}'; then
  after="$(tree_listing)"
  gone="$(diff <(echo "$before") <(echo "$after") | grep '^<' | grep -v '/\.zfs/' | awk '{print $3}' | grep -Ev '^\./Media/docker-media/ocp-sno01-2025-0(3-14|6-02)(/|$)' || true)"
  added="$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)"
  if [ ! -e "$SHARE/ocp-sno01-2025-03-14" ] && [ ! -e "$SHARE/ocp-sno01-2025-06-02" ] && [ -z "$gone" ] && [ "$added" = 0 ] \
     && [ -f "$OUTSIDE/ocp-victim-2024-09-10/data.txt" ] && [ -L "$SHARE/ocp-link-2024-09-10" ] && [ -d "$SHARE/ocp-lab-2024-11-30" ] && [ -d "$SHARE/grafana" ]; then
    pass "delete [ocp-sno01-2025-03-14, ocp-sno01-2025-06-02]: exactly those are gone, everything else remains"
  else
    fail "delete removed the wrong things (unexpected: ${gone:-none}, added: $added)"
  fi
else
  fail "delete of two OCP folders"
fi
if cleanup_run -e '{"cleanup_folders": ["ocp-sno01-2025-03-14"]}' && grep -q "ok=" "$LOG" && [ "$(tree_listing)" = "$after" ]; then
  pass "delete again: idempotent, already-absent folder is reported, nothing else touched"
else
  fail "repeated delete"
fi

escape() { # $1 label, $2 JSON list of folders
  local label="$1" folders="$2" snapshot
  snapshot="$(tree_listing)"
  if cleanup_run -e "{\"cleanup_folders\": $folders}"; then
    fail "refuses $label (the play succeeded)"
  elif [ "$(tree_listing)" != "$snapshot" ]; then
    fail "refuses $label (but something was deleted)"
  elif grep -q "Refusing" "$LOG"; then
    pass "refuses $label, nothing deleted"
  else
    fail "refuses $label (failed without a refusal message)"
  fi
}
escape "'..'" '[".."]'
escape "'../outside'" '["../outside"]'
escape "'/etc'" '["/etc"]'
escape "'%2e%2e'" '["%2e%2e"]'
escape "'%2e%2e%2foutside'" '["%2e%2e%2foutside"]'
escape "the symlink ocp-link-2024-09-10 -> outside" '["ocp-link-2024-09-10"]'
escape "the share itself '.'" '["."]'
escape "an empty name" '[""]'
escape "a name not matching the pattern (grafana)" '["grafana"]'
escape "a file, not a directory (ocp-notes-2024-01-01)" '["ocp-notes-2024-01-01"]'
escape "a backslash" '["ocp-a\\\\..-2024-01-01"]'
escape "a NUL byte" '["ocp-old-2023-01-31\u0000"]'
escape "a trailing newline" '["ocp-old-2023-01-31\n"]'
escape "a hidden name (.zfs)" '[".zfs"]'
escape "a good name followed by '..'" '["ocp-old-2023-01-31", ".."]'
escape "a duplicate name" '["ocp-old-2023-01-31", "ocp-old-2023-01-31"]'
escape "a string instead of a list" '"ocp-old-2023-01-31"'
escape "an empty list" '[]'
snapshot="$(tree_listing)"
if cleanup_run -e '{"cleanup_folders": ["ocp-old-2023-01-31"]}' -e "cleanup_share=$SHARE/../docker-media"; then
  fail "refuses a share path with '..' (the play succeeded)"
elif [ "$(tree_listing)" = "$snapshot" ]; then pass "refuses a share path with '..', nothing deleted"; else fail "share path with '..' deleted something"; fi
if cleanup_run -e '{"cleanup_folders": ["ocp-old-2023-01-31"]}' --check && [ -d "$SHARE/ocp-old-2023-01-31" ]; then
  pass "check mode deletes nothing"
else
  fail "check mode"
fi

echo "== cleanup_ocp.yml restore play"
restore_ok() { [ -f "$SHARE/ocp-sno01-2025-03-14/sub/file.txt" ] && [ -f "$SHARE/ocp-sno01-2025-06-02/sub/file.txt" ] && ! ls -a "$SHARE" | grep -q '^\.labops-restore'; }
if cleanup_run -e "{\"cleanup_action\": \"restore\", \"cleanup_snapshot\": \"$SNAP\", \"cleanup_folders\": [\"ocp-sno01-2025-03-14\", \"ocp-sno01-2025-06-02\"]}" && restore_ok; then
  pass "restore (cleanup_action=restore) copies both folders back from .zfs/snapshot/$SNAP/"
else
  fail "restore via cleanup_action"
fi
if cleanup_run -e "{\"cleanup_action\": \"restore\", \"cleanup_snapshot\": \"$SNAP\", \"cleanup_folders\": [\"ocp-sno01-2025-03-14\"]}" && grep -q "changed=0" "$LOG"; then
  pass "restore again: no change"
else
  fail "repeated restore is not a no-op"
fi
rm -rf "$SHARE/ocp-sno01-2025-06-02"
if cleanup_run --tags restore -e "{\"cleanup_snapshot\": \"$SNAP\", \"cleanup_folders\": [\"ocp-sno01-2025-06-02\"]}" && restore_ok; then
  pass "restore selected with --tags restore"
else
  fail "restore via --tags restore"
fi
restore_refused() { # $1 label, $2 snapshot, $3 JSON folders
  local snapshot_before
  snapshot_before="$(tree_listing)"
  if cleanup_run -e "{\"cleanup_action\": \"restore\", \"cleanup_snapshot\": \"$2\", \"cleanup_folders\": $3}"; then
    fail "restore refuses $1 (the play succeeded)"
  elif [ "$(tree_listing)" != "$snapshot_before" ]; then
    fail "restore refuses $1 (but the tree changed)"
  else
    pass "restore refuses $1"
  fi
}
restore_refused "'..'" "$SNAP" '[".."]'
restore_refused "'../../outside'" "$SNAP" '["../../outside"]'
restore_refused "'%2e%2e'" "$SNAP" '["%2e%2e"]'
restore_refused "a snapshot name with '/'" "../$SNAP" '["ocp-sno01-2025-06-02"]'
restore_refused "a missing snapshot" "nope" '["ocp-sno01-2025-06-02"]'
restore_refused "a folder missing from the snapshot" "$SNAP" '["ocp-gone-2024-02-02"]'
ln -s "$OUTSIDE/ocp-victim-2024-09-10" "$SHARE/.zfs/snapshot/$SNAP/ocp-snaplink-2024-09-10"
restore_refused "a symlink inside the snapshot" "$SNAP" '["ocp-snaplink-2024-09-10"]'

echo
echo "check-ansible: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
