/* Command lines as podman (pflag) reads them, rewritten for clipanion (src/cli/flags.ts). */
import { describe, expect, it } from 'vitest';

import { normalizeArgv } from '../../../src/cli/flags.js';
import type { FlagSpec } from '../../../src/cli/quick.js';

/** run's shape: options, the image, then the command as it is. */
const RUN: FlagSpec = {
  paths: [['run'], ['container', 'run']],
  groups: [['-e', '--env'], ['--rm'], ['-i', '--interactive'], ['-t', '--tty'], ['-w', '--workdir'], ['--name'], ['-h', '--hostname'], ['--read-only'], ['-q']],
  options: { '-e': true, '--env': true, '--rm': false, '-i': false, '--interactive': false, '-t': false, '--tty': false, '-w': true, '--workdir': true, '--name': true, '-h': true, '--hostname': true, '--read-only': false, '-q': false },
  proxy: true,
  required: 1,
  positionals: [
    { name: 'IMAGE', kind: 'one' },
    { name: 'COMMAND', kind: 'proxy' },
  ],
};
/** sandbox's shape: no option of its own, every word after its path passed on (bwrap's command line). */
const SANDBOX: FlagSpec = { paths: [['sandbox']], groups: [], options: {}, proxy: true, required: 0, positionals: [{ name: 'OPTIONS... COMMAND', kind: 'proxy' }] };
/** rm's shape: options and positionals in any order. */
const RM: FlagSpec = { paths: [['rm']], groups: [['-f', '--force'], ['-t', '--time']], options: { '-f': false, '--force': false, '-t': true, '--time': true }, proxy: false, required: 0, positionals: [{ name: 'CONTAINER', kind: 'rest' }] };

const norm = (spec: FlagSpec, line: string): string[] => normalizeArgv(spec, line.split(' ')).argv;

describe('normalizeArgv', () => {
  it('leaves plain lines as they are, and writes values and bundles in the one shape clipanion always reads', () => {
    for (const line of ['run img', 'run --rm --env=A=1 img sh -c true', 'container run --workdir=/tmp img pwd', 'rm -f a b'])
      expect(norm(line.startsWith('rm') ? RM : RUN, line), line).toEqual(line.split(' '));
    expect(norm(RUN, 'run --rm -it -e A=1 --name x img sh -c true')).toEqual(['run', '--rm', '-i', '-t', '--env=A=1', '--name=x', 'img', 'sh', '-c', 'true']);
  });

  it('reads a boolean given a value as pflag does', () => {
    expect(norm(RUN, 'run --rm=true --read-only=false img')).toEqual(['run', '--rm', '--no-read-only', 'img']);
    expect(norm(RUN, 'run --rm=1 --rm=F img')).toEqual(['run', '--rm', '--no-rm', 'img']);
    expect(norm(RUN, 'run -i=false img')).toEqual(['run', '--no-interactive', 'img']);
    expect(() => norm(RUN, 'run --rm=yes img')).toThrow('invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax');
  });

  it('takes a short option value attached, with or without =, and bundles ending in one', () => {
    expect(norm(RUN, 'run -eB=2 -w/tmp img')).toEqual(['run', '--env=B=2', '--workdir=/tmp', 'img']);
    expect(norm(RUN, 'run -e=B=2 img')).toEqual(['run', '--env=B=2', 'img']);
    expect(norm(RUN, 'run -itw/tmp img')).toEqual(['run', '-i', '-t', '--workdir=/tmp', 'img']);
    expect(norm(RUN, 'run -itw /tmp img')).toEqual(['run', '-i', '-t', '--workdir=/tmp', 'img']);
    expect(norm(RUN, 'run -iq img')).toEqual(['run', '-i', '-q', 'img']);
  });

  it('gives a value that starts with a dash to its option, as pflag does', () => {
    expect(norm(RUN, 'run --name -x img')).toEqual(['run', '--name=-x', 'img']);
  });

  it("leaves run's command alone after the image, and everything after --", () => {
    expect(norm(RUN, 'run --rm=true img sh -c x -w/y --bogus=1')).toEqual(['run', '--rm', 'img', 'sh', '-c', 'x', '-w/y', '--bogus=1']);
    expect(norm(RM, 'rm -- -f=1')).toEqual(['rm', '--', '-f=1']);
  });

  it('reads options between positionals where the command has no proxy', () => {
    expect(norm(RM, 'rm a --force=true b -t5')).toEqual(['rm', 'a', '--force', 'b', '--time=5']);
  });

  it("refuses what pflag refuses, in pflag's words", () => {
    expect(() => norm(RUN, 'run --bogus img')).toThrow('unknown flag: --bogus');
    expect(() => norm(RUN, 'run --bogus=1 img')).toThrow('unknown flag: --bogus');
    expect(() => norm(RUN, 'run -ix img')).toThrow("unknown shorthand flag: 'x' in -ix");
    expect(() => norm(RUN, 'run --name')).toThrow('flag needs an argument: --name');
    expect(() => norm(RUN, 'run -w')).toThrow("flag needs an argument: 'w' in -w");
  });

  it('keeps --help, -h where it is not an option, and --no-FLAG for clipanion', () => {
    expect(norm(RM, 'rm -h')).toEqual(['rm', '-h']);
    expect(norm(RM, 'rm --help')).toEqual(['rm', '--help']);
    expect(norm(RM, 'rm --no-force a')).toEqual(['rm', '--no-force', 'a']);
    expect(() => norm(RM, 'rm --no-time a')).toThrow('unknown flag: --no-time');
  });

  it('counts the positionals given', () => {
    expect(normalizeArgv(RM, ['rm', 'a', '-f', 'b']).positionals).toBe(2);
    expect(normalizeArgv(RUN, ['run', '--rm']).positionals).toBe(0);
    expect(normalizeArgv(RUN, ['run', 'img', 'a', 'b']).positionals).toBe(1);
  });

  it('passes on every word after the path of a command that takes them all, help only as the first word', () => {
    for (const line of ['sandbox --ro-bind / / --unshare-all sh', 'sandbox --log-level x true', 'sandbox -- -x', 'sandbox --bind a b --help', 'sandbox'])
      expect(normalizeArgv(SANDBOX, line.split(' ')), line).toEqual({ argv: line.split(' '), positionals: line.split(' ').length - 1, help: false });
    expect(normalizeArgv(SANDBOX, ['sandbox', '--help'])).toEqual({ argv: ['sandbox', '--help'], positionals: 0, help: true });
    expect(normalizeArgv(SANDBOX, ['sandbox', '-h', 'x'])).toEqual({ argv: ['sandbox', '-h', 'x'], positionals: 0, help: true });
  });
});
