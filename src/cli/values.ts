/**
 * The name of each option's value, as help and the man pages show it
 * (`--env NAME[=VALUE]`), by its long name: one name per option across the
 * commands. The build puts each option's value name in the command manifest
 * (cli/manifest.ts), which help and the completions read;
 * test/unit/conventions.test.ts checks that every option that takes a value
 * has one here, and that its man page names it so.
 */
export const VALUE_NAMES: Record<string, string> = {
  '--log-level': 'LEVEL',
  '--rootfs': 'DIR',
  '--name': 'NAME',
  '--entrypoint': 'COMMAND',
  '--env': 'NAME[=VALUE]',
  '--env-file': 'FILE',
  '--workdir': 'DIR',
  '--hostname': 'NAME',
  '--user': 'USER[:GROUP]',
  '--volume': 'HOST-PATH:CONTAINER-PATH[:OPTIONS]',
  '--tmpfs': 'PATH[:OPTIONS]',
  '--network': 'MODE',
  '--cap-add': 'CAPABILITY',
  '--cap-drop': 'CAPABILITY',
  '--security-opt': 'OPTION',
  '--ulimit': 'NAME=SOFT[:HARD]',
  '--output': 'FILE',
  '--input': 'FILE',
  '--format': 'FORMAT',
  '--change': 'INSTRUCTION',
  '--message': 'TEXT',
  '--arch': 'ARCH',
  '--os': 'OS',
  '--variant': 'VARIANT',
  '--type': 'TYPE',
  '--time': 'SECONDS',
  '--authfile': 'FILE',
  '--cert-dir': 'DIR',
  '--creds': 'USER:PASSWORD',
  '--platform': 'OS/ARCH[/VARIANT]',
  '--retry': 'N',
  '--retry-delay': 'DURATION',
  '--pull': 'POLICY',
  '--username': 'USER',
  '--password': 'PASSWORD',
  '--digestfile': 'FILE',
  '--filter': 'FILTER',
  '--limit': 'N',
  '--compression-format': 'FORMAT',
  '--compression-level': 'LEVEL',
};
