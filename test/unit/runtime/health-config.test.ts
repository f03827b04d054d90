import { describe, expect, it } from 'vitest';

import { UsageError } from '../../../src/errors.js';
import { goDuration, healthArgv, parseHealthCmd, resolveHealthcheck } from '../../../src/runtime/health-config.js';
import type { ContainerOptions } from '../../../src/storage/containers.js';

const options = (health: ContainerOptions['health'], restart?: string): ContainerOptions =>
  ({ command: [], entrypoint: undefined, env: [], envFile: [], workdir: undefined, hostname: undefined, user: undefined, volume: [], tmpfs: [], readOnly: false, network: undefined, interactive: false, tty: false, init: false, capAdd: [], capDrop: [], securityOpt: [], ulimit: [], rm: false, health, ...(restart ? { restart } : {}) });

describe('--health-cmd as podman reads it', () => {
  it.each([
    ['curl -f localhost', ['CMD-SHELL', 'curl -f localhost']],
    ['none', ['NONE']],
    ['["ls", "-l"]', ['CMD', 'ls', '-l']],
    ['["true"]', ['CMD-SHELL', 'true']],
    ['["CMD-SHELL", "exit 1"]', ['CMD-SHELL', 'exit 1']],
    ['["CMD", "stat", "/x"]', ['CMD', 'stat', '/x']],
    ['[not json', ['CMD-SHELL', '[not json']],
  ])('%s', (text, test) => {
    expect(parseHealthCmd(text)).toEqual(test);
  });

  it('runs CMD-SHELL through /bin/sh -c and CMD as it is', () => {
    expect(healthArgv(['CMD-SHELL', 'exit 3'])).toEqual(['/bin/sh', '-c', 'exit 3']);
    expect(healthArgv(['CMD', 'stat', '/x'])).toEqual(['stat', '/x']);
  });

  it('refuses an empty command', () => {
    expect(() => parseHealthCmd('')).toThrow(UsageError);
    expect(() => parseHealthCmd('[]')).toThrow(/must define a healthcheck command/);
  });
});

describe('resolveHealthcheck', () => {
  const image = { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers' as const, diff_ids: [] }, config: { Healthcheck: { Test: ['CMD', 'check'], Interval: 5e9, Retries: 0 } } };

  it("takes the image's HEALTHCHECK, its zero values as podman's defaults, flags over it", () => {
    expect(resolveHealthcheck(options(undefined), image)?.healthcheck).toEqual({ Test: ['CMD', 'check'], Interval: 5e9, Timeout: 30e9, StartPeriod: 0, Retries: 3 });
    expect(resolveHealthcheck(options({ timeout: '1m30s', retries: '9' }), image)?.healthcheck).toMatchObject({ Interval: 5e9, Timeout: 90e9, Retries: 9 });
    expect(resolveHealthcheck(options({ interval: 'disable' }), image)?.healthcheck.Interval).toBe(0);
    expect(resolveHealthcheck(options({ noHealthcheck: true }), image)).toBeUndefined();
    expect(resolveHealthcheck(options({ cmd: 'none' }), image)).toBeUndefined();
  });

  it('has none without a command or an image check, and refuses flags with nothing to apply to', () => {
    expect(resolveHealthcheck(options(undefined), undefined)).toBeUndefined();
    expect(() => resolveHealthcheck(options({ startPeriod: '5s' }), undefined)).toThrow('--health-start-period needs a healthcheck');
    expect(() => resolveHealthcheck(options({ onFailure: 'kill' }), undefined)).toThrow('--health-on-failure needs a healthcheck');
  });

  it('checks the on-failure action against --restart', () => {
    expect(resolveHealthcheck(options({ cmd: 'true', onFailure: 'restart' }, 'no'), undefined)?.onFailure).toBe('restart');
    expect(() => resolveHealthcheck(options({ cmd: 'true', onFailure: 'restart' }, 'on-failure:3'), undefined)).toThrow(/cannot be used together/);
  });
});

describe('goDuration', () => {
  it.each([
    [0, '0s'],
    [500e6, '500ms'],
    [30e9, '30s'],
    [90e9, '1m30s'],
    [3600e9, '1h0m0s'],
    [1.5e9, '1.5s'],
  ])('%d ns is %s', (ns, text) => {
    expect(goDuration(ns)).toBe(text);
  });
});
