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
import { type Env, removeContainer } from './container.js';

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
  for (const rec of containers.list()) {
    if (containers.status(rec).state === 'running' || Date.parse(rec.created) >= until) continue;
    try {
      await removeContainer(env, store, rec, false);
      report.removed.push(rec.id);
    } catch (err) {
      report.errors.push((err as Error).message);
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
  containers: PruneReport;
  volumes: string[];
  images: string[];
  reclaimed: number;
}

export async function pruneSystem(env: Env, store: Store, opts: { all: boolean; until?: number; volumes?: boolean }): Promise<SystemPruneReport> {
  const before = treeSize(store.root);
  const containers = await pruneContainers(env, store, opts.until);
  const volumes = opts.volumes ? await pruneVolumes(store) : [];
  const { pruneImages } = await import('../storage/image-removal.js');
  const images = await pruneImages(store, { all: opts.all });
  return { containers, volumes, images, reclaimed: Math.max(0, before - treeSize(store.root)) };
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
