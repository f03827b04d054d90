/**
 * `pause` and `unpause`: the container's own cgroup frozen and thawed
 * (cgroup v2's cgroup.freeze), as crun does for podman. A container has a
 * cgroup of its own only when it was started under a cgroup delegated to the
 * user (system/cgroups.ts); without one there is nothing that freezes all of
 * its processes at once, and `pause` says so rather than signal them one by
 * one. Whether it is paused is read back from the cgroup (storage's status).
 */
import { BurrowError } from '../errors.js';
import { ownCgroup, setFrozen } from '../system/cgroups.js';
import type { ContainerRecord } from '../storage/containers.js';
import type { Store } from '../storage/store.js';
import { recordEvent } from './events.js';
import { containerProcess } from './join.js';

/** The cgroup that freezes the running container `rec`, or podman's error and burrow's reason. */
export function freezableCgroup(store: Store, rec: ContainerRecord, action: string): string {
  const status = store.containers.status(rec);
  const child = status.state === 'running' && status.pid !== undefined ? containerProcess(status.pid) : undefined;
  if (child === undefined) throw new BurrowError('E_NOT_RUNNING', `"${rec.name}" is not running, can't ${action} it: container state improper`);
  const cgroup = ownCgroup(rec.id, child);
  if (cgroup === undefined)
    throw new BurrowError(
      'E_NO_CGROUP',
      `cannot ${action} container ${rec.name}: it has no cgroup of its own to freeze (a container gets one only when it starts under a cgroup v2 delegated to you, as in a systemd user service or scope with Delegate=yes)`,
    );
  return cgroup;
}

/** Freezes (`pause`) or thaws the container; podman's error when it already is so. */
export async function setPaused(store: Store, rec: ContainerRecord, pause: boolean): Promise<void> {
  const cgroup = freezableCgroup(store, rec, pause ? 'pause' : 'unpause');
  const paused = store.containers.status(rec).paused === true;
  if (pause && paused) throw new BurrowError('E_PAUSED', `"${rec.name}" is already paused: container state improper`);
  if (!pause && !paused) throw new BurrowError('E_NOT_PAUSED', `"${rec.name}" is not paused, can't unpause it: container state improper`);
  await setFrozen(cgroup, pause);
  recordEvent(store, { ID: rec.id, Image: rec.imageName, Name: rec.name, Status: pause ? 'pause' : 'unpause', Type: 'container' });
}
