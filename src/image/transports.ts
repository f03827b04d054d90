/**
 * The file transports of containers/image as `pull` reads them:
 * `oci:DIR[:REF]`, `oci-archive:PATH[:REF]`, `docker-archive:PATH[:REF]`.
 * REF picks an image when the source holds several (by its ref.name
 * annotation; for docker-archive by a RepoTag or `@N`, the N-th image
 * counting from 0), and the image gets the names podman gives it.
 */
import { createReadStream, statSync } from 'node:fs';

import { BurrowError, errnoCode } from '../errors.js';
import { normalizeName } from '../oci/reference.js';
import type { ImageRecord, Store } from '../storage/store.js';
import { readArchive, readDirectory, type SourceImage } from './archive.js';
import type { FileReference } from './file-reference.js';
import { Ingest } from './ingest.js';

function pick(images: SourceImage[], ref: FileReference, input: string): SourceImage {
  if (ref.ref === undefined) {
    if (images.length > 1) throw new BurrowError('E_ARCHIVE', `${input}: more than one image in ${ref.path}: choose one with ${ref.transport}:${ref.path}:REF`);
    return images[0] as SourceImage;
  }
  const want = ref.ref;
  if (ref.transport === 'docker-archive') {
    const index = /^@(\d+)$/.exec(want);
    if (index) {
      const image = images[Number(index[1])];
      if (!image) throw new BurrowError('E_NOT_FOUND', `${input}: the archive holds ${images.length} image(s): there is no image @${index[1]}`);
      return image;
    }
    let name: string;
    try {
      name = normalizeName(want, 'docker.io');
    } catch {
      throw new BurrowError('E_USAGE', `${input}: \`${want}\` is neither a name:tag nor @N`);
    }
    const found = images.find((i) => i.names.includes(name));
    if (!found) throw new BurrowError('E_NOT_FOUND', `${input}: no image tagged \`${want}\` in the archive`);
    return found;
  }
  const found = images.find((i) => i.refs.includes(want));
  if (!found) throw new BurrowError('E_NOT_FOUND', `${input}: no image named \`${want}\` in ${ref.path}`);
  return found;
}

/** podman names an image from `oci:PATH` localhost/PATH:latest, PATH as typed; a PATH that makes no valid name is an error, as in podman. */
function ociName(ref: FileReference): string {
  const name = `localhost/${ref.typed.replace(/^\/+/, '')}`;
  try {
    return normalizeName(name, 'localhost');
  } catch (err) {
    throw new BurrowError('E_USAGE', `oci:${ref.typed}: the image would be named \`${name}\`, which is not a valid name: ${(err as Error).message}`);
  }
}

/** The names podman gives an image pulled from `ref`. */
function namesOf(image: SourceImage, ref: FileReference): string[] {
  const valid = (n: string, domain: string): string[] => {
    try {
      return [normalizeName(n, domain)];
    } catch {
      return [];
    }
  };
  switch (ref.transport) {
    case 'oci':
      return [ociName(ref)];
    case 'oci-archive':
      return image.refs.flatMap((r) => valid(r, 'localhost'));
    case 'docker-archive':
      return image.names;
  }
}

/** Reads the image `input` names from its file or directory and stores it (the policy checked by the caller). */
export async function pullFromFile(store: Store, input: string, ref: FileReference): Promise<ImageRecord> {
  let isDir: boolean;
  try {
    isDir = statSync(ref.path).isDirectory();
  } catch (err) {
    throw new BurrowError('E_NOT_FOUND', `${input}: ${errnoCode(err) === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
  if (ref.transport === 'oci' && !isDir) throw new BurrowError('E_ARCHIVE', `${input}: not a directory (an oci-archive is pulled as oci-archive:${ref.path})`);
  if (ref.transport !== 'oci' && isDir) throw new BurrowError('E_ARCHIVE', `${input}: is a directory (an OCI layout is pulled as oci:${ref.path})`);
  if (ref.transport === 'oci') ociName(ref);
  const ingest = new Ingest(store);
  try {
    const images =
      ref.transport === 'oci'
        ? await readDirectory(ref.path, ingest, input, ref.ref)
        : await readArchive(createReadStream(ref.path), ingest, input);
    const image = pick(images, ref, input);
    const [record] = await ingest.commit([{ ...image, names: namesOf(image, ref) }]);
    return record as ImageRecord;
  } finally {
    await ingest.cleanup();
  }
}
