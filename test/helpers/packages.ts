/**
 * Local packages for the package-manager tests (apt-get under fakeroot and
 * without subordinate ids): `burrow-hello`, whose maintainer script does as
 * root what such scripts do (here: give a file to a service's user), built
 * with the host's dpkg-deb.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Builds DIR/burrow-hello.deb (version 1.0) with `postinst` as its maintainer script; returns its path. */
export function helloDeb(dir: string, postinst: string): string {
  const pkg = join(dir, 'pkg');
  mkdirSync(join(pkg, 'DEBIAN'), { recursive: true });
  mkdirSync(join(pkg, 'usr/share/burrow-hello'), { recursive: true });
  writeFileSync(join(pkg, 'DEBIAN/control'), 'Package: burrow-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: burrow tests <tests@burrow.invalid>\nDescription: does as root what maintainer scripts do\n');
  writeFileSync(join(pkg, 'DEBIAN/postinst'), `#!/bin/sh\nset -e\n${postinst}\n`);
  chmodSync(join(pkg, 'DEBIAN/postinst'), 0o755);
  writeFileSync(join(pkg, 'usr/share/burrow-hello/data'), 'hello\n');
  const deb = join(dir, 'burrow-hello.deb');
  execFileSync('dpkg-deb', ['--build', '--root-owner-group', pkg, deb], { stdio: 'ignore' });
  return deb;
}
