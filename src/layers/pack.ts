/**
 * Writes a directory tree as a tar (the worker's `tar DIR`, run inside a user
 * namespace, so owners are the container's own ids): modes, owners, mtimes,
 * symlinks, hard links (by inode), fifos. Device nodes (overlay whiteouts,
 * 0/0 character devices, among them) and sockets are left out: a rootless
 * container has none of its own. Names are relative, directories end in `/`,
 * entries are sorted so the same tree gives the same tar.
 */
import { createReadStream, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import tar from 'tar-stream';

export async function packTree(root: string, out: Writable): Promise<void> {
  const pack = tar.pack();
  const piping = pipeline(pack as unknown as NodeJS.ReadableStream, out);
  piping.catch(() => undefined);
  const links = new Map<string, string>();

  const add = (header: Partial<tar.Header> & { name: string }, data?: Buffer): Promise<void> =>
    new Promise((resolve, reject) => {
      if (data) pack.entry(header, data, (err) => (err ? reject(err) : resolve()));
      else pack.entry(header, (err) => (err ? reject(err) : resolve())).end(undefined);
    });

  const addFile = (header: Partial<tar.Header> & { name: string }, path: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
      (async () => {
        let written = 0;
        for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
          // A file that grew while it was read: the header's size is what goes out.
          const part = chunk.subarray(0, Math.max(0, (header.size ?? 0) - written));
          written += part.length;
          if (part.length > 0 && !entry.write(part)) await new Promise((r) => entry.once('drain', () => r(undefined)));
        }
        // ...and one that shrank is padded with zeros.
        for (; written < (header.size ?? 0); ) {
          const pad = Buffer.alloc(Math.min(65536, (header.size ?? 0) - written));
          written += pad.length;
          if (!entry.write(pad)) await new Promise((r) => entry.once('drain', () => r(undefined)));
        }
        entry.end(undefined);
      })().catch((err: Error) => {
        entry.destroy(err);
        reject(err);
      });
    });

  const visit = async (rel: string, st: Stats): Promise<void> => {
    const host = rel === '' ? root : posix.join(root, rel);
    const base: Partial<tar.Header> & { name: string } = { name: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime };
    if (st.isDirectory()) {
      if (rel !== '') await add({ ...base, name: `${rel}/`, type: 'directory' });
      for (const name of readdirSync(host).sort()) {
        const child = rel === '' ? name : `${rel}/${name}`;
        await visit(child, lstatSync(posix.join(root, child)));
      }
      return;
    }
    if (st.isSymbolicLink()) return add({ ...base, type: 'symlink', linkname: readlinkSync(host) });
    if (st.isFIFO()) return add({ ...base, type: 'fifo' });
    if (!st.isFile()) return; // devices, sockets
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = links.get(key);
      if (first !== undefined) return add({ ...base, type: 'link', linkname: first });
      links.set(key, rel);
    }
    return addFile({ ...base, type: 'file', size: st.size }, host);
  };

  await visit('', lstatSync(root));
  pack.finalize();
  await piping;
}
