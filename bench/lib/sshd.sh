# bench/lib/sshd.sh: sourced by bench/transfer and bench/compare. Defines
#   bench_install PKG...   installs the Debian packages among PKG that are missing, with apt-get, as
#                          root or through `sudo -n`, without starting any service they ship
#                          (a policy-rc.d guard while apt-get runs); exits with a clear message
#                          when it cannot
#   sshd_start DIR         starts a private sshd on 127.0.0.1 on a free high port, in the
#                          background: own host key, own client key and authorized_keys, own
#                          config (UsePAM no, public key only, internal sftp), all under DIR;
#                          sets ssh_port, sshd_pid, ssh_dir and ssh_opts (the client options:
#                          key, no known-hosts file, batch mode; add -P/-p PORT yourself) and
#                          appends the pid to the caller's `pids` array
#   sshd_stop              stops it
# The caller defines say() (a message to stderr) and a `pids` array whose processes it kills on
# exit.

bench_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      say "needs ${missing[*]}; install them as root: apt-get install ${missing[*]}"
      exit 1
    fi
    sudo="sudo -n"
  fi
  say "installing ${missing[*]}"
  # A package install would start the system's sshd on port 22 (or an iperf3 daemon);
  # policy-rc.d (exit 101: "action forbidden") stops that while apt-get runs, unless the machine
  # already has a policy.
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
  fi
  local rc=0
  { $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; } || rc=$?
  [ -n "$policy" ] && $sudo rm -f "$policy"
  [ $rc -eq 0 ] || { say "apt-get failed (exit $rc) installing ${missing[*]}"; exit 1; }
}

sshd_start() {
  ssh_dir=$1
  local d=$ssh_dir
  mkdir -p "$d/dest"
  chmod 700 "$d"
  rm -f "$d/host_key" "$d/host_key.pub" "$d/client_key" "$d/client_key.pub"
  ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$d/client_key"
  cp "$d/client_key.pub" "$d/authorized_keys"
  ssh_opts=(-i "$d/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
            -o BatchMode=yes -o IdentitiesOnly=yes -o LogLevel=ERROR)
  # sshd running as root wants its privilege separation directory.
  if [ "$(id -u)" -eq 0 ]; then mkdir -p /run/sshd; fi
  local attempt _
  for attempt in 1 2 3 4 5; do
    ssh_port=$(( 20000 + RANDOM % 40000 ))
    cat >"$d/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $ssh_port
HostKey $d/host_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys
AllowUsers $(id -un)
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
LogLevel ERROR
EOC
    /usr/sbin/sshd -t -f "$d/sshd_config" || { say "sshd refuses its config ($d/sshd_config)"; exit 1; }
    /usr/sbin/sshd -D -f "$d/sshd_config" -E "$d/sshd.log" &
    sshd_pid=$!
    pids+=("$sshd_pid")
    for _ in $(seq 50); do
      (exec 3<>"/dev/tcp/127.0.0.1/$ssh_port") 2>/dev/null && return 0
      kill -0 "$sshd_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$sshd_pid" 2>/dev/null || true  # port taken, or too slow: another port
    wait "$sshd_pid" 2>/dev/null || true
  done
  say "sshd did not start:"; cat "$d/sshd.log" >&2; exit 1
}

sshd_stop() {
  [ -n "${sshd_pid:-}" ] || return 0
  kill "$sshd_pid" 2>/dev/null || true
  wait "$sshd_pid" 2>/dev/null || true
  sshd_pid=""
}
