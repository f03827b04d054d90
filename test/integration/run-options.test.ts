/**
 * `burrow run --rootfs` options, with podman's meaning: environment, working
 * directory, user, volumes, tmpfs, read-only root, network, stdin.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, expect, it } from 'vitest';

import { copyRootfs, describeContainers, fixtures, requireFeature, withoutHostWarnings } from '../helpers/fixtures.js';
import { expectOneError, lines, runIn } from '../helpers/run-cli.js';

const unique = (): string => randomBytes(4).toString('hex');

async function inside(args: string[], opts: Parameters<typeof runIn>[2] = {}): Promise<string> {
  const r = await runIn(fixtures().rootfs, args, opts);
  expect(withoutHostWarnings(r.stderr)).toBe('');
  expect(r.exitCode).toBe(0);
  return r.stdout;
}

describeContainers('burrow run: options', () => {
  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(fixtures().dir, 'options-'));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('passes the arguments as they are: empty ones, spaces, quotes, newlines', async () => {
    const args = ['', 'a b', '"q"', "it's", 'line\nbreak', '$HOME', '*'];
    const out = await inside(['sh', '-c', 'for a in "$@"; do printf "[%s]\\n" "$a"; done', 'sh', ...args]);
    expect(out).toBe(args.map((a) => `[${a}]\n`).join(''));
  });

  it('takes a rootfs whose path holds a space and a colon', async () => {
    const { dir, remove } = copyRootfs();
    try {
      const odd = join(dir, 'a b:c');
      renameSync(join(dir, 'rootfs'), odd);
      const r = await runIn(odd, ['probe', 'pids']);
      expect(r.stdout).toBe('pid=1 ppid=0\n');
      expect(r.exitCode).toBe(0);
    } finally {
      remove();
    }
  });

  it('-e sets NAME=VALUE, and NAME alone takes the host value', async () => {
    const env = lines(
      await inside(['-e', 'ONE=1', '-e', 'TWO=with spaces=and equals', '-e', 'FROM_HOST', '-e', 'NOT_ON_HOST', 'env'], {
        env: { FROM_HOST: 'host value', NOT_ON_HOST: undefined },
      }),
    );
    expect(env).toContain('ONE=1');
    expect(env).toContain('TWO=with spaces=and equals');
    expect(env).toContain('FROM_HOST=host value');
    expect(env.find((e) => e.startsWith('NOT_ON_HOST'))).toBeUndefined();
  });

  it('--env-file reads NAME=VALUE and NAME lines, skipping comments and blanks; -e wins', async () => {
    const file = join(scratch, 'env.list');
    writeFileSync(file, '# a comment\nA=1\n\nB=two words\n  C=indented\nFROM_HOST\nOVER=file\n');
    const env = lines(await inside(['--env-file', file, '-e', 'OVER=flag', 'env'], { env: { FROM_HOST: 'h' } }));
    expect(env).toEqual(expect.arrayContaining(['A=1', 'B=two words', 'C=indented', 'FROM_HOST=h', 'OVER=flag']));
    expect(env.filter((e) => e.startsWith('OVER='))).toEqual(['OVER=flag']);
    expect(env.find((e) => e.startsWith('#'))).toBeUndefined();
  });

  it('-e replaces a default variable', async () => {
    const env = lines(await inside(['-e', 'PATH=/bin', '-e', 'HOME=/elsewhere', '/bin/env']));
    expect(env.filter((e) => e.startsWith('PATH='))).toEqual(['PATH=/bin']);
    expect(env.filter((e) => e.startsWith('HOME='))).toEqual(['HOME=/elsewhere']);
  });

  it('--unsetenv leaves a default variable out, --unsetenv-all every one; -e and --env-file still set theirs', async () => {
    const some = lines(await inside(['--unsetenv', 'HOSTNAME', '--unsetenv', 'container', '/bin/env']));
    expect(some.filter((e) => /^(HOSTNAME|container)=/.test(e))).toEqual([]);
    expect(some.filter((e) => /^(PATH|HOME)=/.test(e))).toHaveLength(2);
    const file = join(scratch, 'unset.env');
    writeFileSync(file, 'B=2\n');
    expect(lines(await inside(['--unsetenv-all', '-e', 'A=1', '--env-file', file, '/bin/env'])).sort()).toEqual(['A=1', 'B=2']);
    // With no PATH, a command is still found on the default one.
    expect(await inside(['--unsetenv-all', 'env'])).toBe('');
    expect(lines(await inside(['--unsetenv', 'HOME', '-e', 'HOME=/given', '/bin/env'])).filter((e) => e.startsWith('HOME='))).toEqual(['HOME=/given']);
  });

  it("--http-proxy (the default) passes the host's proxy variables in; -e and --unsetenv win; --http-proxy=false passes none", async () => {
    const host = { http_proxy: 'http://proxy.test:3128', HTTPS_PROXY: 'http://secure.test:3129', no_proxy: 'localhost', OTHER_VAR: 'not passed' };
    const env = lines(await inside(['/bin/env'], { env: host }));
    expect(env).toEqual(expect.arrayContaining(['http_proxy=http://proxy.test:3128', 'HTTPS_PROXY=http://secure.test:3129', 'no_proxy=localhost']));
    expect(env.filter((e) => e.startsWith('OTHER_VAR') || /^(ftp_proxy|FTP_PROXY|HTTP_PROXY|https_proxy|NO_PROXY)=/.test(e))).toEqual([]);
    const mine = lines(await inside(['-e', 'http_proxy=http://mine.test:1', '--unsetenv', 'no_proxy', '/bin/env'], { env: host }));
    expect(mine.filter((e) => /_proxy=/i.test(e)).sort()).toEqual(['HTTPS_PROXY=http://secure.test:3129', 'http_proxy=http://mine.test:1']);
    expect(lines(await inside(['--http-proxy=false', '/bin/env'], { env: host })).filter((e) => /_proxy=/i.test(e))).toEqual([]);
  });

  it('--shm-size sizes /dev/shm (64m by default, 0 for no limit); a bad size makes nothing', async () => {
    const shm = async (...flags: string[]) => (await inside([...flags, 'sh', '-c', 'df -k /dev/shm | tail -1']).then((out) => out.trim().split(/\s+/)[1]));
    expect(await shm()).toBe('65536');
    expect(await shm('--shm-size', '1m')).toBe('1024');
    expect(await shm('--shm-size=2g')).toBe('2097152');
    // 1 MiB is full after 1 MiB; with no limit, 2 MiB fit.
    const fill = ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/f bs=1024 count=2048 2>/dev/null && echo fits || echo full'];
    expect(await inside(['--shm-size', '1m', ...fill])).toBe('full\n');
    expect(await inside(['--shm-size', '0', ...fill])).toBe('fits\n');
    expectOneError(await runIn(fixtures().rootfs, ['--shm-size', 'lots', 'true']), /^Error: invalid --shm-size `lots`: a number of bytes, with k, m or g \(e\.g\. 10m\)$/);
  });

  it('--umask sets the umask of the container\'s processes, 0022 by default whatever the caller\'s; the helper\'s directories are 0755 either way', async () => {
    const before = process.umask(0o077);
    try {
      // A missing working directory and a volume's mount point, made by the helper (in the shared rootfs: new names each run).
      const vol = mkdtempSync(join(scratch, 'umask-'));
      const probe = async (flags: string[]): Promise<string[]> => {
        const n = unique();
        const script = `umask; stat -c %a /made-${n} /made-${n}/here /mnt-${n}/a; touch /tmp/f-${n}; mkdir /tmp/d-${n}; stat -c %a /tmp/f-${n} /tmp/d-${n}`;
        return lines(await inside([...flags, '-w', `/made-${n}/here`, '-v', `${vol}:/mnt-${n}/a/b`, 'sh', '-c', script]));
      };
      expect(await probe([])).toEqual(['0022', '755', '755', '755', '644', '755']);
      expect(await probe(['--umask', '077'])).toEqual(['0077', '755', '755', '755', '600', '700']);
      expect(await inside(['--umask=0', 'sh', '-c', 'umask'])).toBe('0000\n');
    } finally {
      process.umask(before);
    }
    for (const bad of ['abc', '0888', '1777', '00000', '', '-22'])
      expectOneError(await runIn(fixtures().rootfs, ['--umask', bad, 'true']), new RegExp(`^Error: invalid --umask \`${bad}\`: an octal mask from 0000 to 0777$`));
  });

  it("--tz sets the container's zone (a zone name, or local: the host's), checked when given", async () => {
    expect(await inside(['--tz', 'Asia/Tokyo', 'date', '+%Z'])).toBe('JST\n');
    expect(await inside(['--tz=UTC', 'date', '+%Z'])).toBe('UTC\n');
    const hostZone = execFileSync('date', ['+%Z'], { env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' });
    expect(await inside(['--tz', 'local', 'date', '+%Z'])).toBe(hostZone);
    for (const [tz, message] of [
      ['Nowhere/City', '--tz `Nowhere/City`: no such time zone in /usr/share/zoneinfo'],
      ['Europe', '--tz `Europe`: no such time zone in /usr/share/zoneinfo'],
      ['../../etc/passwd', 'invalid --tz `../../etc/passwd`: give a zone such as Europe/Paris, or local'],
      ['/etc/passwd', 'invalid --tz `/etc/passwd`: give a zone such as Europe/Paris, or local'],
    ])
      expectOneError(await runIn(fixtures().rootfs, ['--tz', tz as string, 'true']), new RegExp(`^Error: ${(message as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });

  it('-w sets the working directory, creating it when missing', async () => {
    expect(await inside(['-w', '/etc', 'pwd'])).toBe('/etc\n');
    const dir = `/tmp/made-${unique()}/deeper`;
    expect(await inside(['-w', dir, 'sh', '-c', 'pwd; probe stat .'])).toMatch(new RegExp(`^${dir}\\n\\. dir \\S+ 0755 0 0\\n$`));
    expect(await inside(['-w', '/tmp/../etc/', 'pwd'])).toBe('/etc\n');
  });

  it("takes podman's shapes of options: --flag=BOOL, a short option's value attached, a bundle ending in one", async () => {
    expect(await inside(['--rm=true', '--read-only=false', '-eB=2', '-e=C=3', '-iw/etc', 'sh', '-c', 'echo "$B $C $(pwd)"; touch /rw && echo rw'])).toBe('2 3 /etc\nrw\n');
    expect(await inside(['--read-only=true', 'sh', '-c', 'touch /x 2>/dev/null && echo rw || echo ro'])).toBe('ro\n');
    expect(await inside(['--read-only=1', '--read-only=F', 'sh', '-c', 'touch /rw && echo rw'])).toBe('rw\n');
  });

  it('-u takes a uid, uid:gid, name and name:group from the rootfs /etc/passwd and /etc/group', async (ctx) => {
    requireFeature(ctx, 'subids');
    expect(await inside(['-u', '1000', 'probe', 'ids'])).toMatch(/^uid=1000 gid=1000 groups=/);
    expect(await inside(['-u', '1000:2000', 'probe', 'ids'])).toMatch(/^uid=1000 gid=2000 groups=/);
    expect(await inside(['-u', 'tester', 'probe', 'ids'])).toMatch(/^uid=1000 gid=1000 groups=/);
    expect(await inside(['-u', 'tester:extra', 'probe', 'ids'])).toMatch(/^uid=1000 gid=2000 groups=/);
    expect(await inside(['-u', 'nobody', 'probe', 'ids'])).toMatch(/^uid=65534 gid=65534 groups=/);
    // A uid without a passwd entry: gid 0, as podman does.
    expect(await inside(['-u', '4321', 'probe', 'ids'])).toMatch(/^uid=4321 gid=0 groups=/);
    expect(await inside(['-u', 'tester', 'sh', '-c', 'echo $HOME; id -un'])).toBe('/home/tester\ntester\n');
  });

  it('-u NAME gets the supplementary groups NAME is a member of', async (ctx) => {
    requireFeature(ctx, 'subids');
    const out = await inside(['-u', 'tester', 'probe', 'ids']);
    const groups = (/groups=(.*)$/m.exec(out)?.[1] ?? '').split(',').filter(Boolean).map(Number);
    expect(groups).toContain(2000);
    const root = await inside(['-u', 'root', 'probe', 'ids']);
    expect(root).not.toMatch(/groups=.*2000/);
  });

  it('-v HOST:CTR shares a directory; what the container creates belongs to the invoking user', async () => {
    const f = fixtures();
    const host = mkdtempSync(join(scratch, 'vol-'));
    writeFileSync(join(host, 'from-host'), 'hello\n');
    expect(await inside(['-v', `${host}:/data`, 'sh', '-c', 'cat /data/from-host; echo made > /data/made; mkdir /data/dir'])).toBe('hello\n');
    expect(readFileSync(join(host, 'made'), 'utf8')).toBe('made\n');
    for (const name of ['made', 'dir']) {
      const st = statSync(join(host, name));
      expect([st.uid, st.gid]).toEqual([f.uid, f.gid]);
    }
  });

  it('-v HOST:CTR:ro refuses writes, and a file can be a volume', async () => {
    const host = mkdtempSync(join(scratch, 'ro-'));
    writeFileSync(join(host, 'file'), 'data\n');
    const r = await runIn(fixtures().rootfs, ['-v', `${host}:/data:ro`, '-v', `${join(host, 'file')}:/etc/extra.conf:ro`, 'sh', '-c', 'probe write /data/new; probe write /etc/extra.conf; cat /etc/extra.conf']);
    expect(r.stdout).toBe('EROFS\nEROFS\ndata\n');
    expect(readdirSync(host)).toEqual(['file']);
    const rw = await inside(['-v', `${join(host, 'file')}:/mnt/file`, 'sh', '-c', 'echo changed > /mnt/file']);
    expect(rw).toBe('');
    expect(readFileSync(join(host, 'file'), 'utf8')).toBe('changed\n');
  });

  it('-v takes a host path relative to the current directory (./)', async () => {
    const host = mkdtempSync(join(scratch, 'rel-'));
    writeFileSync(join(host, 'f'), 'relative\n');
    expect(await inside(['-v', './:/rel', 'cat', '/rel/f'], { cwd: host })).toBe('relative\n');
  });

  it('--tmpfs mounts a private tmpfs, noexec by default', async () => {
    const out = await inside(['--tmpfs', '/scratch', 'sh', '-c', 'grep " /scratch " /proc/self/mountinfo; probe write /scratch/f; cp /bin/probe /scratch/p; /scratch/p pids 2>/dev/null || echo noexec']);
    const [mount, write, ...rest] = lines(out);
    expect(mount).toMatch(/ \/scratch \S*\bnoexec\b.* - tmpfs /);
    expect(write).toBe('ok');
    expect(rest.at(-1)).toBe('noexec');
    expect(await inside(['--tmpfs', '/scratch:exec,size=1m', 'sh', '-c', 'cp /bin/probe /scratch/p && /scratch/p exit 0 && echo ran; grep " /scratch " /proc/self/mountinfo'])).toMatch(
      /^ran\n.* \/scratch .* - tmpfs tmpfs \S*size=1024k/,
    );
    // Nothing written there reaches the rootfs.
    expect(readdirSync(fixtures().rootfs)).not.toContain('scratch-leak');
    await inside(['--tmpfs', '/tmp', 'sh', '-c', 'echo x > /tmp/scratch-leak']);
    expect(readdirSync(join(fixtures().rootfs, 'tmp'))).not.toContain('scratch-leak');
  });

  it('--read-only: writes to the root fail', async () => {
    const name = `ro-${unique()}`;
    expect(await inside(['--read-only', 'sh', '-c', `probe write /${name}; probe mkdir /etc/${name}; true`])).toBe('EROFS\nEROFS\n');
    expect(readdirSync(fixtures().rootfs)).not.toContain(name);
  });

  // Only the root turns read-only: /tmp, /run, /var/tmp (the tmpfs --read-only adds), /dev/shm,
  // --tmpfs and -v mounts keep their own flags.
  it('--read-only keeps /tmp, /run, /var/tmp, /dev/shm, --tmpfs and -v writable', async () => {
    const host = mkdtempSync(join(scratch, 'rovol-'));
    const out = await inside(['--read-only', '--tmpfs', '/scratch', '-v', `${host}:/data`, 'sh', '-c', 'for d in /tmp /run /var/tmp /dev/shm /scratch /data; do echo "$d $(probe write $d/f)"; done']);
    expect(lines(out)).toEqual(['/tmp ok', '/run ok', '/var/tmp ok', '/dev/shm ok', '/scratch ok', '/data ok']);
  });

  it('--network none has only a loopback device; --network host shares the host network', async () => {
    expect(lines(await inside(['--network', 'none', 'ls', '/sys/class/net']))).toEqual(['lo']);
    const hostDevices = readdirSync('/sys/class/net').sort();
    const host = lines(await inside(['--network', 'host', 'ls', '-1', '/sys/class/net'])).sort();
    expect(host).toEqual(hostDevices);
    const links = lines(await inside(['--network', 'none', 'ip', '-o', 'link']));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: /);
  });

  it('-i passes stdin through', async () => {
    expect(await inside(['-i', 'cat'], { input: 'hi\nthere\n' })).toBe('hi\nthere\n');
    const big = 'x'.repeat(1 << 20);
    expect((await inside(['-i', 'wc', '-c'], { input: big })).trim()).toBe(String(big.length));
  });

  it('without -i, stdin is /dev/null', async () => {
    expect(await inside(['cat'], { input: 'should not be seen\n' })).toBe('');
    expect(await inside(['readlink', '/proc/self/fd/0'], { input: 'x' })).toBe('/dev/null\n');
  });

  it('--ulimit sets a resource limit', async () => {
    expect(await inside(['--ulimit', 'nofile=100:200', 'sh', '-c', 'ulimit -n; ulimit -Hn'])).toBe('100\n200\n');
  });
});
