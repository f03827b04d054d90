import * as Option from 'clipanion/lib/advanced/options';

import type { ContainerOptions } from '../../storage/containers.js';
import { BurrowCommand } from '../base.js';
import { containerOptions } from '../run-container.js';

/** The options `run` and `create` share, with podman's names and meaning. */
export abstract class ContainerOptionsCommand extends BurrowCommand {
  name = Option.String('--name', { description: 'Give the container a name' });
  entrypoint = Option.String('--entrypoint', { description: "Override the image's entrypoint (a command, or a JSON array)" });
  env = Option.Array('-e,--env', [], { description: 'Set NAME=VALUE in the container (NAME alone: from the host)' });
  envFile = Option.Array('--env-file', [], { description: 'Read environment variables from a file' });
  workdir = Option.String('-w,--workdir', { description: 'Working directory inside the container' });
  hostname = Option.String('-h,--hostname', { description: 'Container host name' });
  user = Option.String('-u,--user', { description: 'Run as USER[:GROUP] (names or ids)' });
  volume = Option.Array('-v,--volume', [], { description: 'Mount a host path or a named volume: SOURCE:CONTAINER-PATH[:ro,rw,U,O,z,Z]; CONTAINER-PATH alone: an anonymous volume' });
  mount = Option.Array('--mount', [], { description: 'Mount type=bind|volume|tmpfs,src=...,dst=...[,ro]' });
  volumesFrom = Option.Array('--volumes-from', [], { description: "Mount another container's volumes: CONTAINER[:ro|rw]" });
  tmpfs = Option.Array('--tmpfs', [], { description: 'Mount a tmpfs at PATH[:OPTIONS]' });
  readOnly = Option.Boolean('--read-only', false, { description: "Mount the container's root filesystem read-only" });
  readOnlyTmpfs = Option.Boolean('--read-only-tmpfs', true, { description: 'With --read-only, mount a writable tmpfs on /run, /tmp and /var/tmp (default true)' });
  network = Option.String('--network,--net', { description: "Network mode: private (default: pasta, else slirp4netns), pasta[:OPTIONS], slirp4netns[:OPTIONS], none, host, container:CTR (another's), or a user network's name" });
  publish = Option.Array('-p,--publish', [], { description: 'Publish a container port on the host: [HOSTIP:][HOSTPORT:]PORT[/tcp|udp], ranges as START-END' });
  publishAll = Option.Boolean('-P,--publish-all', false, { description: 'Publish every exposed port on a free host port' });
  expose = Option.Array('--expose', [], { description: 'Expose a port or a range (PORT[-END][/PROTOCOL]) for -P' });
  dns = Option.Array('--dns', [], { description: "A nameserver for the container's /etc/resolv.conf (none: no file is made)" });
  dnsSearch = Option.Array('--dns-search', [], { description: 'A search domain for /etc/resolv.conf (.: none)' });
  dnsOption = Option.Array('--dns-option', [], { description: 'An option for /etc/resolv.conf' });
  addHost = Option.Array('--add-host', [], { description: 'Add HOST:IP to /etc/hosts (IP host-gateway: the host)' });
  noHosts = Option.Boolean('--no-hosts', false, { description: 'Make no /etc/hosts: the image\'s own is kept' });
  pid = Option.String('--pid', { description: "The pid namespace: private (default) or container:CTR (another's)" });
  ipc = Option.String('--ipc', { description: "The IPC namespace: private (default) or container:CTR (another's)" });
  uts = Option.String('--uts', { description: "The uts namespace (host name): private (default) or container:CTR (another's)" });
  pod = Option.String('--pod', { description: "Run in a pod: NAME (an existing one) or new:NAME (made now); its namespaces are the pod's" });
  macAddress = Option.String('--mac-address', { description: "The container's MAC address (pasta, slirp4netns)" });
  interactive = Option.Boolean('-i,--interactive', false, { description: 'Keep standard input open' });
  tty = Option.Boolean('-t,--tty', false, { description: 'Allocate a pseudo-terminal' });
  init = Option.Boolean('--init', false, { description: 'Run a minimal init as PID 1 that reaps zombies and forwards signals' });
  capAdd = Option.Array('--cap-add', [], { description: 'Add capabilities (comma-separated, with or without CAP_, or ALL)' });
  capDrop = Option.Array('--cap-drop', [], { description: 'Drop capabilities (comma-separated, with or without CAP_, or ALL)' });
  privileged = Option.Boolean('--privileged', false, { description: "Every capability, no masked or read-only paths, the host's devices you can open, /sys writable, no seccomp filter" });
  securityOpt = Option.Array('--security-opt', [], { description: 'Security options: no-new-privileges, mask=PATHS, unmask=PATHS|ALL, proc-opts=OPTIONS, label=disable, seccomp=unconfined|PROFILE.json' });
  device = Option.Array('--device', [], { description: 'Bind a host device (or a directory of them) you can open: HOST[:CONTAINER][:PERMISSIONS], permissions rw or rwm' });
  groupAdd = Option.Array('--group-add', [], { description: "Add a supplementary group (a name or a gid), or keep-groups: keep your host groups" });
  sysctl = Option.Array('--sysctl', [], { description: "Set a namespaced kernel parameter NAME=VALUE (net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*, kernel.domainname)" });
  userns = Option.String('--userns', { description: "The user namespace: private (the default: you are root, your subordinate ids after), keep-id[:uid=UID,gid=GID] (you keep your id and name inside, and run as it), nomap (your subordinate ids, not you), auto[:size=N] (a slice of them no other auto container holds), or fakeroot (only your own id; chown, setuid and device mknod succeed without effect); host is refused" });
  uidmap = Option.Array('--uidmap', [], { description: "Map container uids: CONTAINER:HOST:COUNT, HOST counted in the default namespace (0 is you, 1.. your subordinate uids); alone it maps the gids too. Without your own id the map is nested (as nomap); with it and an image, it must hold every subordinate id" });
  gidmap = Option.Array('--gidmap', [], { description: 'Map container gids: CONTAINER:HOST:COUNT, as --uidmap' });
  subuidname = Option.String('--subuidname', { description: 'Map container uids from 0 to the ranges of NAME in /etc/subuid (yours only), nested as nomap; alone it names the gids too' });
  subgidname = Option.String('--subgidname', { description: 'Map container gids from 0 to the ranges of NAME in /etc/subgid (yours only); alone it names the uids too' });
  seccompPolicy = Option.String('--seccomp-policy', { description: "Which seccomp profile: default, or image (the image's io.containers.seccomp.profile label, when it has one)" });
  ulimit = Option.Array('--ulimit', [], { description: 'Set a resource limit NAME=SOFT[:HARD]' });
  restart = Option.String('--restart', { description: 'Restart the container when it exits: no, on-failure[:N], always, unless-stopped' });
  healthCmd = Option.String('--health-cmd', { description: 'The healthcheck: a shell command, a JSON array, or none' });
  healthInterval = Option.String('--health-interval', { description: 'Time between healthchecks (default 30s; disable: none scheduled)' });
  healthRetries = Option.String('--health-retries', { description: 'Failures in a row that make the container unhealthy (default 3)' });
  healthStartPeriod = Option.String('--health-start-period', { description: 'Time after the start during which failures do not count (default 0s)' });
  healthTimeout = Option.String('--health-timeout', { description: 'Longest a healthcheck may run before it fails (default 30s)' });
  healthOnFailure = Option.String('--health-on-failure', { description: 'What an unhealthy container gets: none (default), kill, restart, stop' });
  noHealthcheck = Option.Boolean('--no-healthcheck', false, { description: "Disable the image's HEALTHCHECK" });
  rm = Option.Boolean('--rm', false, { description: 'Remove the container when it exits' });
  cidfile = Option.String('--cidfile', { description: "Write the container's id to FILE (which must not exist)" });
  logDriver = Option.String('--log-driver', { description: 'Where a detached container\'s output goes: k8s-file (default), none, passthrough' });
  logOpt = Option.Array('--log-opt', [], { description: 'Log driver option: max-size=SIZE, path=FILE' });
  tz = Option.String('--tz', { description: "The container's time zone: a zone name (Europe/Paris), or local (the host's)" });
  pidfile = Option.String('--pidfile', { description: "Write the container's pid to FILE at each start" });
  umask = Option.String('--umask', { description: "The umask of the container's processes, exec's too: octal (default 0022)" });
  shmSize = Option.String('--shm-size', { description: 'Size of /dev/shm: a number of bytes, with k, m or g (default 64m; 0: no limit)' });
  httpProxy = Option.Boolean('--http-proxy', true, { description: "Pass the host's proxy variables (http_proxy, https_proxy, ftp_proxy, no_proxy and their upper case) into the container (default true)" });
  unsetenv = Option.Array('--unsetenv', [], { description: "Leave NAME out of the default environment (burrow's variables and the image's)" });
  unsetenvAll = Option.Boolean('--unsetenv-all', false, { description: "No default environment: only what --env and --env-file give" });
  stopSignal = Option.String('--stop-signal', { description: "Stop the container with SIGNAL instead of the image's StopSignal (SIGTERM)" });
  stopTimeout = Option.String('--stop-timeout', { description: 'Seconds stop waits for the container before SIGKILL, when not given -t (default 10)' });
  replace = Option.Boolean('--replace', false, { description: 'Remove a container of the same --name first (stopping it if running)' });
  label = Option.Array('-l,--label', [], { description: 'Set a label KEY=VALUE on the container' });
  labelFile = Option.Array('--label-file', [], { description: 'Read labels from FILE (KEY=VALUE lines; # comments)' });
  pull = Option.String('--pull', 'missing', { description: 'Pull the image: always, missing (when not stored), never, newer (when the registry has another)' });
  platform = Option.String('--platform', { description: 'Pull the image for OS/ARCH[/VARIANT]; a stored image of another platform is not used' });
  os = Option.String('--os', { description: 'Pull the image for OS instead of the host OS' });
  arch = Option.String('--arch', { description: 'Pull the image for ARCH instead of the host architecture' });
  variant = Option.String('--variant', { description: 'Pull the image for this architecture VARIANT' });
  tlsVerify = Option.Boolean('--tls-verify', { description: 'Require HTTPS and verify certificates when pulling (default: true, or as registries.conf says)' });
  authfile = Option.String('--authfile', { description: "Read the registry's credentials from FILE when pulling (default: podman's auth.json)" });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print no progress when pulling the image' });
  // A leading positional, so that options before it are parsed and everything after it is the command's.
  target = Option.String({ name: 'IMAGE' });
  args = Option.Proxy({ name: 'COMMAND' });

  protected containerOptions(command: string[]): ContainerOptions {
    return containerOptions(this, command);
  }
}
