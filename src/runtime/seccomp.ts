/**
 * Which seccomp filter a container runs under, as podman chooses it:
 * `--security-opt seccomp=unconfined|PATH`, `--seccomp-policy default|image`
 * (image: the profile in the image's `io.containers.seccomp.profile` label,
 * when it has one), `--privileged` (none, unless a profile is named), else
 * burrow's default (podman's, src/system/seccomp/default-profile.ts). The
 * program is compiled for the container's capabilities.
 */
import { resolve } from 'node:path';

import { UsageError } from '../errors.js';
import { defaultProgram, parseProfile, readProfile, seccompProgram, type SeccompFilter, type SeccompProfile, withFakeroot } from '../system/seccomp/index.js';

export type { SeccompFilter } from '../system/seccomp/index.js';

/** The label an image carries its own profile in (podman's). */
export const IMAGE_PROFILE_LABEL = 'io.containers.seccomp.profile';

export interface SeccompChoice {
  /** undefined: no filter */
  filter: SeccompFilter | undefined;
  /** a profile read from a file, which the container's record keeps (its later starts do not read the file again) */
  profile?: SeccompProfile;
}

export function checkSeccompPolicy(policy: string | undefined): 'default' | 'image' {
  if (policy === undefined || policy === 'default' || policy === 'image') return policy ?? 'default';
  throw new UsageError(`invalid --seccomp-policy \`${policy}\`: default or image`);
}

export function chooseSeccomp(
  /** seccomp: --security-opt seccomp='s value (parseSecurityOpts) */
  opts: { seccomp: string | undefined; seccompPolicy?: string | undefined; seccompProfile?: SeccompProfile | undefined },
  ctx: { cwd: string; capabilities: ReadonlySet<string>; privileged: boolean; imageLabels?: Record<string, string> | undefined; fakeroot?: boolean; cacheDir?: string },
): SeccompChoice {
  // Only the user's id mapped: chown, setuid and device mknod succeed without effect, whichever profile.
  const program = (profile: SeccompProfile) => seccompProgram(ctx.fakeroot ? withFakeroot(profile) : profile, ctx.capabilities);
  const option = opts.seccomp;
  const policy = checkSeccompPolicy(opts.seccompPolicy);
  if (option === 'unconfined') return { filter: undefined };
  if (option !== undefined) {
    const path = resolve(ctx.cwd, option);
    const profile = opts.seccompProfile ?? readProfile(path);
    return { filter: program(profile), profile };
  }
  if (ctx.privileged) return { filter: undefined };
  const label = policy === 'image' ? ctx.imageLabels?.[IMAGE_PROFILE_LABEL] : undefined;
  if (label !== undefined) return { filter: program(parseProfile(label, `of the image's label ${IMAGE_PROFILE_LABEL}`)) };
  return { filter: defaultProgram(ctx.capabilities, ctx.fakeroot, ctx.cacheDir) };
}
