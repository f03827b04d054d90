/**
 * What a container changed (`diff`): its overlay's upper dir against the
 * image's layers, walked inside the user namespace (the worker's `changes
 * UPPER LAYER...`, layers top first) without following a link. Each entry of
 * the upper dir is A (added: no layer has it), C (changed: a layer has it;
 * a directory shows as C when something in it changed) or D (a whiteout:
 * deleted). fuse-overlayfs's own marks (with `fuse`) are read as it means
 * them: an opaque directory's `.wh..wh..opq` file and `.wh..opq` whiteout are
 * not changes of their own, and a `.wh.NAME` file (its whiteout where it
 * cannot make a 0/0 device) is NAME deleted.
 */
import { closeSync, constants as fsConstants, lstatSync, openSync, type Stats } from 'node:fs';

import type { LibcCalls } from '../system/sys.js';
import { fsPath } from '../system/names.js';
import { changed, isWhiteout, listDir, WHITEOUT_PREFIX } from './pack.js';

export interface Change {
  kind: 'A' | 'C' | 'D';
  /** absolute, as the container sees it */
  path: string;
}

/** Whether the image's layers (top first) show `rel`: the topmost layer that has it decides (a whiteout there: no). */
function inLayers(sys: LibcCalls, layers: string[], rel: string): boolean {
  for (const layer of layers) {
    let st: Stats;
    try {
      st = lstatSync(fsPath(`${layer}/${rel}`));
    } catch {
      continue;
    }
    return !isWhiteout(sys, layer, rel, st);
  }
  return false;
}

export function changes(sys: LibcCalls, upper: string, layers: string[], fuse = false): Change[] {
  const out: Change[] = [];
  const rootFd = openSync(upper, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY | fsConstants.O_NOFOLLOW);
  const walk = (rel: string): void => {
    let children: ReturnType<typeof listDir>;
    const dirFd = rel === '' ? rootFd : sys.openBeneath(rootFd, rel, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
    try {
      children = listDir(dirFd);
    } finally {
      if (dirFd !== rootFd) closeSync(dirFd);
    }
    for (const { name, st } of children) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (fuse && name.startsWith(WHITEOUT_PREFIX)) {
        if (name !== '.wh..wh..opq' && name !== '.wh..opq' && st.isFile()) out.push({ kind: 'D', path: `/${rel === '' ? '' : `${rel}/`}${name.slice(WHITEOUT_PREFIX.length)}` });
        continue;
      }
      if (isWhiteout(sys, upper, path, st)) {
        out.push({ kind: 'D', path: `/${path}` });
        continue;
      }
      out.push({ kind: inLayers(sys, layers, path) ? 'C' : 'A', path: `/${path}` });
      if (st.isDirectory()) {
        try {
          walk(path);
        } catch (err) {
          // gone, or swapped for a link, while it was read (a running container); anything else is the answer's
          if (!changed(err)) throw err;
        }
      }
    }
  };
  try {
    walk('');
  } finally {
    closeSync(rootFd);
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
