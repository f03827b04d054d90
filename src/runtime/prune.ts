/**
 * Removing in bulk: `container prune`, `system prune` (stopped containers,
 * then the images nothing uses) and `system reset` (everything burrow keeps
 * for the user: every container stopped and removed, then the data and
 * runtime directories). Files owned by subordinate ids are removed in the
 * user namespace (Sys.removeTrees), so the user never needs `unshare`.
 */
import { rmSync } from 'node:fs';

import { treeSize } from '../system/files.js';
import type { Store } from '../storage/store.js';
import { checkRemovable, dependentsFirst, type Env, removeContainer } from './container.js';

export interface PruneReport {
  /** ids, in the order removed */
  removed: string[];
  /** messages of those that could not be */
  errors: string[];
}

/** Removes every container that is not running and was created before `until` (ms since the epoch). */
export async function pruneContainers(env: Env, store: Store, until = Infinity): Promise<PruneReport> {
  const { containers } = store;
  const report: PruneReport = { removed: [], errors: [] };
  // Not the pods' infra containers (`pod rm` and `pod prune` remove those); dependents before what they share.
  const stopped = dependentsFirst(containers.list().filter((rec) => !rec.infra && containers.status(rec).state !== 'running' && Date.parse(rec.created) < until));
  const removing = new Set(stopped.map((rec) => rec.id));
  for (const rec of stopped) {
    try {
      checkRemovable(store, rec, containers.list(), removing);
      await removeContainer(env, store, rec, false);
      report.removed.push(rec.id);
    } catch (err) {
      report.errors.push((err as Error).message);
    }
  }
  return report;
}

/** Removes every pod none of whose containers runs, with its containers (`pod prune`, `system prune`); their ids. */
export async function prunePods(env: Env, store: Store): Promise<PruneReport> {
  const { removePod } = await import('./pod.js');
  const { containers, pods } = store;
  const report: PruneReport = { removed: [], errors: [] };
  for (const pod of pods.list()) {
    if (pods.containers(pod).some((c) => containers.status(c).state === 'running')) continue;
    try {
      await pods.locked(pod, (current) => removePod(env, store, current, false));
      report.removed.push(pod.id);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'E_NO_POD' && code !== 'E_RUNNING') report.errors.push((err as Error).message); // else removed, or started, meanwhile
    }
  }
  return report;
}

/** Removes every user network no container is on (`network prune`, `system prune`); their names. */
export async function pruneNetworks(env: Env, store: Store): Promise<PruneReport> {
  const { removeNetwork } = await import('./networks.js');
  const { containers, networks } = store;
  const report: PruneReport = { removed: [], errors: [] };
  for (const net of networks.list()) {
    if (networks.members(net.name, containers.list()).length > 0) continue;
    try {
      await removeNetwork(env, store, net, false);
      report.removed.push(net.name);
    } catch (err) {
      if ((err as { code?: string }).code !== 'E_NETWORK_IN_USE') report.errors.push((err as Error).message); // else joined meanwhile
    }
  }
  return report;
}

/** Removes the volumes no container uses (with `labels`, only those with one of them: KEY or KEY=VALUE); their names. */
export async function pruneVolumes(store: Store, labels: string[] = []): Promise<string[]> {
  const { volumes, containers } = store;
  const { names, trees } = await store.lock(() => {
    const all = containers.list();
    const out = { names: [] as string[], trees: [] as string[] };
    for (const v of volumes.list()) {
      if (volumes.users(v.name, all).length > 0) continue;
      const labelled = labels.length === 0 || labels.some((l) => (l.includes('=') ? v.labels[l.slice(0, l.indexOf('='))] === l.slice(l.indexOf('=') + 1) : l in v.labels));
      if (!labelled) continue;
      out.trees.push(volumes.detach(v.name));
      out.names.push(v.name);
    }
    return out;
  });
  await store.sys.removeTrees(trees).catch(() => undefined);
  return names;
}

/** What `system prune` removed, and the bytes that freed in the data directory. */
export interface SystemPruneReport {
  pods: PruneReport;
  containers: PruneReport;
  networks: PruneReport;
  volumes: string[];
  images: string[];
  reclaimed: number;
}

export async function pruneSystem(env: Env, store: Store, opts: { all: boolean; until?: number; volumes?: boolean }): Promise<SystemPruneReport> {
  const before = treeSize(store.root);
  const pods = await prunePods(env, store);
  const containers = await pruneContainers(env, store, opts.until);
  const networks = await pruneNetworks(env, store);
  const volumes = opts.volumes ? await pruneVolumes(store) : [];
  const { pruneImages } = await import('../storage/image-removal.js');
  const images = await pruneImages(store, { all: opts.all });
  return { pods, containers, networks, volumes, images, reclaimed: Math.max(0, before - treeSize(store.root)) };
}

/**
 * `system reset`: every container killed (SIGKILL, at once, as podman's reset
 * does) and removed, then the data directory (images, layers, containers, in
 * the user namespace: their files belong to mapped ids) and the runtime
 * directory. The configuration directory stays.
 */
export async function resetStore(env: Env, store: Store, warn: (message: string) => void): Promise<void> {
  for (const rec of store.containers.list()) {
    try {
      await removeContainer(env, store, rec, true, 0);
    } catch (err) {
      warn(`remove container ${rec.name}: ${(err as Error).message}`);
    }
  }
  await env.sys.removeTrees([env.paths.data]);
  rmSync(env.paths.runtime, { recursive: true, force: true });
}
