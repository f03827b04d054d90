import { describe, expect, it } from 'vitest';

import { stopSignal } from '../../../src/runtime/container.js';
import type { ImageConfig } from '../../../src/oci/image.js';

const image = (StopSignal?: string): ImageConfig => ({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] }, config: { StopSignal } });

describe("stopSignal: the image's StopSignal as podman reads it", () => {
  it('defaults to SIGTERM', () => {
    expect(stopSignal(undefined)).toMatchObject({ name: 'SIGTERM', number: 15 });
    expect(stopSignal(image())).toMatchObject({ name: 'SIGTERM', number: 15 });
  });

  it('takes names with or without SIG, any case, and numbers', () => {
    expect(stopSignal(image('SIGQUIT'))).toMatchObject({ name: 'SIGQUIT', number: 3 });
    expect(stopSignal(image('usr1'))).toMatchObject({ name: 'SIGUSR1', number: 10 });
    expect(stopSignal(image('9'))).toMatchObject({ name: 'SIGKILL', number: 9 });
  });

  it('refuses what is not a signal', () => {
    expect(() => stopSignal(image('SIGNOPE'))).toThrow(/StopSignal `SIGNOPE` is not a signal/);
  });
});
