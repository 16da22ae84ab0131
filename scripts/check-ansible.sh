#!/usr/bin/env bash
# CI checks for the Ansible side of labops (the repository AAP's project "HomeLab Ops" pulls):
#   1. ansible-playbook --syntax-check on every playbook (localhost inventory)
#   2. ansible-lint on playbooks/ (profile: first argument or ANSIBLE_LINT_PROFILE, default production)
#   3. Master Deploy's task list and its refusals (no Docker engine needed)
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
cat >"$WORK/deploy-inventory.yml" <<'YAML'
all:
  vars:
    ansible_connection: local
    ansible_python_interpreter: /usr/bin/python3
    ansible_become: false
    config_context:
      app_list:
        grafana: {host: docker01, image: "grafana/grafana:11.2.0", ports: ["3000:3000"], volumes: ["grafana_data:/var/lib/grafana"], env: {}, networks: [proxy]}
        traefik: {host: edge01, image: "traefik:v3.1"}
  hosts:
    docker01: {}
    edge01: {}
YAML
if ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml --list-tasks >"$LOG" 2>&1 \
  && for t in "Ensure network" "Pull image" "Ensure volumes" "Run container" "Wait for healthcheck"; do grep -q "docker_app : $t" "$LOG" || exit 1; done; then
  pass "master_deploy task names match the fake AAP (docker_app : Ensure network ... Wait for healthcheck)"
else
  fail "master_deploy task names"
fi
deploy_refused() { # $1 label, $2 expected message, rest: ansible-playbook args
  local label="$1" want="$2"; shift 2
  if ansible-playbook -i "$WORK/deploy-inventory.yml" playbooks/master_deploy.yml "$@" >"$LOG" 2>&1; then
    fail "master_deploy refuses $label (it succeeded)"
  elif grep -q "$want" "$LOG" && ! grep -q "docker_app :" "$LOG"; then
    pass "master_deploy refuses $label"
  else
    fail "master_deploy refuses $label (expected '$want' before any docker_app task)"
  fi
}
deploy_refused "a launch without limit" "refusing to touch every host" -e app=grafana
deploy_refused "an app not in app_list" "No app 'nope'" --limit docker01 -e app=nope
deploy_refused "an app on another host" "app_list says traefik runs on edge01" --limit docker01 -e app=traefik
deploy_refused "a malformed app name" "No app '../x'" --limit docker01 -e app=../x

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
