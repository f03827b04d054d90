/**
 * A container's healthcheck as `create` decides it (podman's rules): from
 * --health-cmd and the other --health-* flags, or the image's HEALTHCHECK.
 * Loaded by every create, so it imports nothing heavy; runtime/health.ts
 * runs the checks.
 */
import { parseDuration } from '../config/duration.js';
import { UsageError } from '../errors.js';
import type { ImageConfig } from '../oci/image.js';
import type { ContainerOptions, HealthConfig } from '../storage/containers.js';

/** A healthcheck as podman's Config.Healthcheck shows it (docker's schema 2), as the container record keeps it. */
export type { HealthConfig };

export const HEALTH_ACTIONS = ['none', 'kill', 'restart', 'stop'] as const;
export type HealthAction = (typeof HEALTH_ACTIONS)[number];

export type HealthStatus = 'starting' | 'healthy' | 'unhealthy';

export interface HealthLogEntry {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

export interface HealthState {
  Status: HealthStatus;
  FailingStreak: number;
  Log: HealthLogEntry[];
}

export const SECOND = 1e9;
/** podman's defaults (containers/common's define package): 30 s, 30 s, 3 tries, no start period. */
const DEFAULTS = { Interval: 30 * SECOND, Timeout: 30 * SECOND, StartPeriod: 0, Retries: 3 };
/** podman keeps the last five results, each output cut to 500 bytes. */
export const MAX_LOG = 5;
export const MAX_OUTPUT = 500;

/** --health-cmd as podman reads it: `none`, a JSON array (CMD-SHELL or CMD first, or a command), or a shell command. */
export function parseHealthCmd(text: string): string[] {
  if (text.trim() === '') throw new UsageError('--health-cmd: must define a healthcheck command for all healthchecks');
  if (text === 'none') return ['NONE'];
  if (text.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed) && parsed.every((s) => typeof s === 'string')) {
      const arr = parsed as string[];
      if (arr.length === 0) throw new UsageError('--health-cmd: must define a healthcheck command for all healthchecks');
      if (arr[0] === 'CMD' || arr[0] === 'CMD-SHELL' || arr[0] === 'NONE') {
        if (arr[0] !== 'NONE' && arr.length < 2) throw new UsageError(`--health-cmd \`${text}\`: ${arr[0]} needs a command`);
        return arr;
      }
      return arr.length > 1 ? ['CMD', ...arr] : ['CMD-SHELL', arr[0] as string];
    }
  }
  return ['CMD-SHELL', text];
}

/** A duration flag in nanoseconds; at least `min` seconds. */
function durationFlag(text: string, flag: string, min: number): number {
  const ms = parseDuration(text, flag);
  if (ms < min * 1000) throw new UsageError(`invalid ${flag} \`${text}\`: must be at least ${min} second${min === 1 ? '' : 's'}`);
  return Math.round(ms * 1e6);
}

/**
 * The container's healthcheck, decided at create as podman does: --health-cmd
 * (or `none`, --no-healthcheck), else the image's HEALTHCHECK, with the other
 * --health-* flags over its values. Undefined when it has none; every value
 * checked (a flag given without any check to apply it to is an error).
 */
export function resolveHealthcheck(options: ContainerOptions, image: ImageConfig | undefined): { healthcheck: HealthConfig; onFailure: HealthAction } | undefined {
  const h = options.health ?? {};
  const onFailure = (h.onFailure ?? 'none') as HealthAction;
  if (!HEALTH_ACTIONS.includes(onFailure)) throw new UsageError(`invalid --health-on-failure \`${h.onFailure}\`: use none, kill, restart or stop`);
  const test = h.noHealthcheck ? ['NONE'] : h.cmd !== undefined ? parseHealthCmd(h.cmd) : (image?.config?.Healthcheck?.Test ?? undefined); // null: none, as docker writes it
  const given = (['interval', 'timeout', 'startPeriod', 'retries'] as const).filter((k) => h[k] !== undefined);
  if (h.noHealthcheck && h.cmd !== undefined) throw new UsageError('--no-healthcheck and --health-cmd cannot be used together');
  if (test === undefined || test.length === 0 || test[0] === 'NONE') {
    const flag = given[0] !== undefined ? `--health-${given[0] === 'startPeriod' ? 'start-period' : given[0]}` : onFailure !== 'none' ? '--health-on-failure' : undefined;
    if (flag !== undefined) throw new UsageError(`${flag} needs a healthcheck: give --health-cmd, or use an image with a HEALTHCHECK`);
    return undefined;
  }
  if (test[0] !== 'CMD' && test[0] !== 'CMD-SHELL') throw new UsageError(`healthcheck \`${JSON.stringify(test)}\`: its first word must be CMD, CMD-SHELL or NONE`);
  const fromImage = image?.config?.Healthcheck;
  const pick = (value: number | undefined, fallback: number) => (value !== undefined && value > 0 ? value : fallback);
  const config: HealthConfig = {
    Test: test,
    Interval: pick(fromImage?.Interval, DEFAULTS.Interval),
    Timeout: pick(fromImage?.Timeout, DEFAULTS.Timeout),
    StartPeriod: pick(fromImage?.StartPeriod, DEFAULTS.StartPeriod),
    Retries: pick(fromImage?.Retries, DEFAULTS.Retries),
  };
  if (h.interval !== undefined) config.Interval = h.interval === 'disable' ? 0 : durationFlag(h.interval, '--health-interval', 1);
  if (h.timeout !== undefined) config.Timeout = durationFlag(h.timeout, '--health-timeout', 1);
  if (h.startPeriod !== undefined) config.StartPeriod = durationFlag(h.startPeriod, '--health-start-period', 0);
  if (h.retries !== undefined) {
    if (!/^\d+$/.test(h.retries) || Number(h.retries) < 1) throw new UsageError(`invalid --health-retries \`${h.retries}\`: must be a number greater than 0`);
    config.Retries = Number(h.retries);
  }
  if (onFailure === 'restart' && options.restart !== undefined && options.restart !== 'no')
    throw new UsageError('--health-on-failure restart and --restart cannot be used together: the healthcheck restarts the container itself');
  return { healthcheck: config, onFailure };
}

/** The argv a check runs in the container: CMD's own, CMD-SHELL's through /bin/sh -c. */
export function healthArgv(test: string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
}

/** Nanoseconds as Go prints a time.Duration (30s, 1m30s, 500ms). */
export function goDuration(ns: number): string {
  if (ns === 0) return '0s';
  if (ns < SECOND) return `${ns / 1e6}ms`;
  let s = ns / SECOND;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${Number(s.toFixed(9))}s`;
}
