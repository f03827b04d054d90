/**
 * Platforms (OS/ARCH[/VARIANT]) as podman names and chooses them: the host's,
 * the one --platform, --os, --arch and --variant ask for (pull, run,
 * create), and whether a stored image is of it. Light on purpose: `run`
 * loads it on its fast path, before it knows whether anything is pulled.
 */
import { UsageError } from '../errors.js';
import { goArch, type ImageConfig } from './image.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string | undefined;
}

/** The flags that choose a platform, as pull, run and create take them. */
export interface PlatformFlags {
  platform: string | undefined;
  os: string | undefined;
  arch: string | undefined;
  variant: string | undefined;
}

/** The host's platform, as podman names it (arm64's variant is v8). */
export function hostPlatform(): Platform {
  const architecture = goArch();
  return { os: 'linux', architecture, variant: architecture === 'arm64' ? 'v8' : undefined };
}

/** `linux/arm64/v8` into a platform. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw new UsageError(`invalid platform \`${text}\`: expected OS/ARCH[/VARIANT]`);
  return { os: parts[0] as string, architecture: parts[1] as string, variant: parts[2] };
}

/** Did the flags ask for a platform at all (else the host's is meant, and any stored image will do)? */
export function platformAsked(f: PlatformFlags): boolean {
  return f.platform !== undefined || f.os !== undefined || f.arch !== undefined || f.variant !== undefined;
}

/** The platform the flags ask for: --platform whole, or the host's with --os, --arch and --variant put in. */
export function platformOf(f: PlatformFlags): Platform {
  if (f.platform !== undefined && (f.os !== undefined || f.arch !== undefined || f.variant !== undefined)) throw new UsageError('--platform cannot be used with --os, --arch or --variant');
  if (f.platform !== undefined) return parsePlatform(f.platform);
  const host = hostPlatform();
  const architecture = f.arch ?? host.architecture;
  return { os: f.os ?? host.os, architecture, variant: f.variant ?? (architecture === host.architecture ? host.variant : undefined) };
}

/** `linux/arm64/v8`, or `linux/amd64` without a variant. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

/** Is an image of this config of the platform (its variant too, when the platform names one)? */
export function configMatches(config: ImageConfig, want: Platform): boolean {
  if (config.os !== want.os || config.architecture !== want.architecture) return false;
  return want.variant === undefined || (config.variant ?? (want.architecture === 'arm64' ? 'v8' : undefined)) === want.variant;
}
