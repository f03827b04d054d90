import { describe, expect, it } from 'vitest';

import { applyChange, splitWords } from '../../../src/image/change.js';
import type { ContainerConfig } from '../../../src/oci/image.js';

const apply = (...changes: string[]): ContainerConfig => {
  const config: ContainerConfig = {};
  for (const c of changes) applyChange(config, c);
  return config;
};

describe('--change', () => {
  it('takes CMD and ENTRYPOINT as a JSON array or a shell command', () => {
    expect(apply('CMD ["/bin/sh","-c","x"]').Cmd).toEqual(['/bin/sh', '-c', 'x']);
    expect(apply('CMD echo "a b"').Cmd).toEqual(['/bin/sh', '-c', 'echo "a b"']);
    expect(apply('entrypoint=/init').Entrypoint).toEqual(['/bin/sh', '-c', '/init']);
    expect(apply('CMD [not json').Cmd).toEqual(['/bin/sh', '-c', '[not json']);
  });

  it('sets ENV and LABEL pairs, replacing a variable set before', () => {
    expect(apply('ENV A=1 B="x y"', 'ENV A=2').Env).toEqual(['A=2', 'B=x y']);
    expect(apply('ENV PATH /usr/bin:/bin').Env).toEqual(['PATH=/usr/bin:/bin']);
    expect(apply('LABEL a=b "c d"=e').Labels).toEqual({ a: 'b', 'c d': 'e' });
  });

  it('sets EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL', () => {
    expect(apply('EXPOSE 80 53/udp 8000-8001').ExposedPorts).toEqual({ '80/tcp': {}, '53/udp': {}, '8000/tcp': {}, '8001/tcp': {} });
    expect(apply('VOLUME ["/data", "/logs"]').Volumes).toEqual({ '/data': {}, '/logs': {} });
    expect(apply('USER 1000:1000', 'WORKDIR /srv', 'WORKDIR app', 'STOPSIGNAL SIGINT')).toEqual({ User: '1000:1000', WorkingDir: '/srv/app', StopSignal: 'SIGINT' });
  });

  it('refuses unknown instructions and bad values', () => {
    expect(() => apply('FROM scratch')).toThrow(/invalid change/);
    expect(() => apply('RUN true')).toThrow(/invalid change/);
    expect(() => apply('EXPOSE http')).toThrow(/invalid port/);
    expect(() => apply('EXPOSE 70000')).toThrow(/invalid port/);
    expect(() => apply('ENV')).toThrow(/invalid change|NAME=VALUE/);
    expect(() => apply('ENV =x')).toThrow(/NAME=VALUE/);
    expect(() => apply('USER ')).toThrow();
  });

  it('splits words as a Dockerfile does', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g`)).toEqual(['a', 'b c', 'd e', 'f g']);
    expect(() => splitWords('"open')).toThrow(/unterminated/);
  });
});
